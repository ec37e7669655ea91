import Foundation
import Synchronization

// What every fuzz target shares: stopping on a finding, and handing the process to libFuzzer's driver.

/// The name a broken invariant is reported under: the executable's, unless a target names itself more precisely
/// (``setFuzzLabel(_:)``).
private let label = Mutex(ProcessInfo.processInfo.processName)

/// Names the target in the messages of ``check(_:_:)``, as in "FuzzSenders (hubspot)".
public func setFuzzLabel(_ name: String) {
    label.withLock { $0 = name }
}

/// Stops the run with a message, so that libFuzzer keeps the input: a broken invariant is a finding like a crash.
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !condition() else { return }
    fail("\(label.withLock { $0 }) invariant broken: \(message())")
}

/// Writes `message` to standard error and aborts, which libFuzzer reports as a crash and keeps the input of.
public func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    abort()
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The entry point: libFuzzer's driver, linked in by `-sanitize=fuzzer`, parses the arguments and calls `test` with
/// each input.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> Never {
    var arguments = CommandLine.argc
    var argumentValues = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&arguments, &argumentValues, test))
}
