// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "optout-bridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "optout-bridge", targets: ["optout-bridge"]),
        .executable(name: "fake-nlpearl", targets: ["fake-nlpearl"]),
        .library(name: "MicroHTTP", targets: ["MicroHTTP"]),
        // Every library target, for the fuzz package in Fuzz/, which builds on this package instead of repeating it.
        .library(
            name: "OptOutBridgeModules",
            targets: [
                "JSON", "OptOutCore", "ContactMapping", "SenderSchema", "Config", "NLPearl", "Senders", "Journal",
                "Bridge", "FakeNLPearl", "MicroHTTP",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C glue: libmicrohttpd from Debian's libmicrohttpd-dev, with shims for what Swift cannot call.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        // C glue: what Swift cannot call of SQLite's C API (variadic configuration), from Debian's libsqlite3-dev.
        .systemLibrary(name: "CSQLiteSettings", providers: [.apt(["libsqlite3-dev"])]),
        // A small async HTTP/1.1 server on libmicrohttpd; knows nothing of opt-outs.
        .target(
            name: "MicroHTTP",
            dependencies: ["CMicroHTTPD", "JSON", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        // JSON: a strict parser that keeps every value's position, its byte-level scanner, and a writer.
        .target(name: "JSON"),
        // Domain values: contact keys, leads, events, statuses, problems and diagnostics.
        .target(name: "OptOutCore", dependencies: ["JSON"]),
        // The mapping engine: the mapping file's loader (threads, byte tables) and the immutable index it builds.
        .target(name: "ContactMapping", dependencies: ["OptOutCore", "JSON"]),
        // What each sender type's configuration entry holds: its keys, their kinds, which are required and secret.
        .target(name: "SenderSchema"),
        // The configuration file: decoding, env:/file: references, validation.
        .target(name: "Config", dependencies: ["OptOutCore", "JSON", "ContactMapping", "SenderSchema"]),
        // The client for NLPearl: the delete, the account blacklist and Search Leads.
        .target(
            name: "NLPearl",
            dependencies: [
                "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // One file per CRM sender type: authenticate over the raw bytes, decode to events, answer in its dialect.
        .target(
            name: "Senders",
            dependencies: [
                "OptOutCore", "MicroHTTP", "SenderSchema", "JSON", "ContactMapping",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The SQLite outbox and audit trail.
        .target(
            name: "Journal",
            dependencies: [
                "OptOutCore", "JSON", "CSQLiteSettings", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The service: intake, journal, dispatcher, HTTP routes, metrics, reload.
        .target(
            name: "Bridge",
            dependencies: [
                "MicroHTTP", "OptOutCore", "ContactMapping", "JSON", "Config", "NLPearl", "Journal", "Senders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A strict fake of NLPearl: the delete, the blacklist and a lead store, for tests, examples and benchmarks.
        .target(name: "FakeNLPearl", dependencies: ["MicroHTTP", "JSON"]),
        .executableTarget(
            name: "optout-bridge",
            dependencies: [
                "Bridge", "Config", "OptOutCore", "ContactMapping", "JSON", "Journal", "NLPearl", "Senders",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Less of the executable resident (about 5 MiB; docs/performance.md): lld packs the position-independent
            // executable's 120,000 relative relocations (RELR) instead of the loader reading 3 MiB of them, and the
            // executable does not export its symbols, which static-stdlib links do by default and only `dlsym`
            // callers need. Release only, so that tests keep linking the executable's module.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-Xclang-linker", "-fuse-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--no-export-dynamic",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        .executableTarget(
            name: "fake-nlpearl",
            dependencies: [
                "FakeNLPearl", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Shared by the test targets: a raw HTTP/1.1 client for tests that need the bytes on the wire.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MicroHTTPTests", dependencies: ["MicroHTTP", "TestSupport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "OptOutCoreTests", dependencies: ["OptOutCore", "JSON"]),
        .testTarget(name: "ContactMappingTests", dependencies: ["ContactMapping", "OptOutCore", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "JSON", "SenderSchema", "Senders"]),
        .testTarget(
            name: "NLPearlTests",
            dependencies: [
                "NLPearl", "FakeNLPearl", "TestSupport", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "JournalTests", dependencies: ["Journal", "CSQLiteSettings"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SendersTests",
            dependencies: [
                "Senders", "SenderSchema", "MicroHTTP", "OptOutCore", "Config", "JSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BridgeTests",
            dependencies: [
                "Bridge", "Config", "ContactMapping", "FakeNLPearl", "JSON", "Journal", "NLPearl", "OptOutCore",
                "Senders",
                "TestSupport",
                "optout-bridge",
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
