// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets for optout-bridge, a package of their own: their executables have no `main` of their own (they
// hand control to libFuzzer's driver, linked in only by `-sanitize=fuzzer`), so the main package's `swift build` and
// `swift test` must never see them. Build and run them with `./run.sh`; see README.md.
//
// The library targets are the main package's own sources, reached through the relative symlinks in `Sources/`
// (`Sources/Bridge -> ../../Sources/Bridge`, …), declared here as there, with the same dependencies.
let package = Package(
    name: "optout-bridge-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // The main package's targets, through symlinks.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .target(name: "MicroHTTP", dependencies: ["CMicroHTTPD"]),
        .target(name: "OptOutCore"),
        .target(name: "Config", dependencies: ["OptOutCore"]),
        .target(
            name: "NLPearl",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .target(
            name: "Senders",
            dependencies: [
                "OptOutCore", "MicroHTTP", "Config",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Journal",
            dependencies: ["OptOutCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "Bridge",
            dependencies: [
                "MicroHTTP", "OptOutCore", "Config", "NLPearl", "Journal", "Senders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(name: "FakeNLPearl", dependencies: ["MicroHTTP"]),

        // What the fuzz targets share: reporting a finding, and calling libFuzzer's driver.
        .target(name: "FuzzSupport"),
        // The fuzz targets: one file each, defining `LLVMFuzzerTestOneInput`.
        // Every sender type's authenticate, decode and respond, the type chosen by FUZZ_SENDER.
        .executableTarget(
            name: "FuzzSenders", dependencies: ["FuzzSupport", "Senders", "Config", "MicroHTTP", "OptOutCore"]),
        // The mapping file reader and the configuration file reader.
        .executableTarget(name: "FuzzMapping", dependencies: ["FuzzSupport", "OptOutCore", "Config"]),
        // Raw bytes through a real socket into the real service: libmicrohttpd, MicroHTTP, the router, the
        // endpoints, the journal.
        .executableTarget(
            name: "FuzzHTTP",
            dependencies: [
                "Bridge", "Config", "FakeNLPearl", "FuzzSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
