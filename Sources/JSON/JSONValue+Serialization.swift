extension JSONValue {
    /// The value as compact JSON text (numbers keep their literal; member order and duplicates are kept).
    public var jsonText: String {
        JSONWriter.text { $0.value(self) }
    }
}
