// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets for optout-bridge, a package of their own: their executables have no `main` of their own (they
// hand control to libFuzzer's driver, linked in only by `-sanitize=fuzzer`), so the main package's `swift build` and
// `swift test` must never see them. Build and run them with `./run.sh`; see README.md.
//
// The code under test is the main package itself, through its `OptOutBridgeModules` product: its targets and their
// dependencies are declared once, in ../Package.swift.
let package = Package(
    name: "optout-bridge-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "optout-bridge", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // What the fuzz targets share: reporting a finding, and calling libFuzzer's driver.
        .target(name: "FuzzSupport"),
        // The fuzz targets: one file each, defining `LLVMFuzzerTestOneInput`.
        // Every sender type's authenticate, decode and respond, the type chosen by FUZZ_SENDER.
        .executableTarget(name: "FuzzSenders", dependencies: ["FuzzSupport", .bridge]),
        // The mapping file reader and the configuration file reader.
        .executableTarget(name: "FuzzMapping", dependencies: ["FuzzSupport", .bridge]),
        // Raw bytes through a real socket into the real service: libmicrohttpd, MicroHTTP, the router, the
        // endpoints, the journal.
        .executableTarget(
            name: "FuzzHTTP",
            dependencies: ["FuzzSupport", .bridge, .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

extension Target.Dependency {
    /// The main package's library targets.
    static let bridge: Self = .product(name: "OptOutBridgeModules", package: "optout-bridge")
}
