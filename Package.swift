// swift-tools-version:6.1
import PackageDescription

// Swift 5 language mode keeps strict-concurrency diagnostics as warnings while the
// code base settles; the server code is still written to be Sendable-correct.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "Quorum",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "quorum", targets: ["quorum"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "QuorumCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: settings
        ),
        .target(
            name: "QuorumStore",
            dependencies: [
                "QuorumCore", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        // The client for model endpoints (OpenAI-compatible chat completions, retries, concurrency): over Core only.
        .target(
            name: "QuorumModels",
            dependencies: ["QuorumCore", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: settings
        ),
        .target(
            name: "QuorumServer",
            dependencies: [
                "QuorumStore", "QuorumCore", "QuorumModels", "CCmark", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "quorum",
            dependencies: [
                "QuorumServer", "QuorumStore", "QuorumCore", "QuorumModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        // Helpers the test targets share: temporary folders and the shared data sets.
        .target(name: "QuorumTestSupport", dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                                                          .product(name: "HTTPTypes", package: "swift-http-types"),
                                                          .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                path: "Tests/QuorumTestSupport", swiftSettings: settings),
        .testTarget(name: "QuorumCoreTests", dependencies: ["QuorumCore", "QuorumTestSupport"], exclude: ["Fixtures"], swiftSettings: settings),
        .testTarget(name: "QuorumStoreTests", dependencies: ["QuorumStore", "QuorumCore", "QuorumTestSupport"], swiftSettings: settings),
        .testTarget(
            name: "QuorumServerTests",
            dependencies: [
                "QuorumServer", "QuorumStore", "QuorumCore", "QuorumTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: settings
        ),
        // Runs the built `quorum` binary as a user would (exit codes, files, kill -9).
        .testTarget(name: "QuorumCLITests", dependencies: ["quorum", "QuorumCore", "QuorumTestSupport"], swiftSettings: settings),
    ]
)
