/// An array used as a first-in, first-out queue: taking from the front moves a head index instead of shifting the
/// array, and the taken part is dropped once it is empty behind the head, or over 1,024 elements and more than half
/// of the array. Taking costs O(1) amortized, where `Array.removeFirst` costs the whole rest each time.
struct FIFOQueue<Element> {
    private var elements: [Element] = []
    private var head = 0

    var count: Int { elements.count - head }
    var first: Element? { head < elements.count ? elements[head] : nil }

    /// The element `offset` places behind the first.
    subscript(offset: Int) -> Element { elements[head + offset] }

    mutating func append(_ element: Element) {
        elements.append(element)
    }

    /// Takes the first element, if any.
    mutating func popFirst() -> Element? {
        guard let element = first else { return nil }
        head += 1
        compact()
        return element
    }

    /// Takes the first `count` elements (at most ``count``).
    mutating func removeFirst(_ count: Int) -> ArraySlice<Element> {
        let taken = elements[head..<head + count]
        head += count
        compact()
        return taken
    }

    private mutating func compact() {
        if head == elements.count {
            elements.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > elements.count {
            elements.removeFirst(head)
            head = 0
        }
    }
}
