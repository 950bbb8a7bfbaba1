// swift-tools-version: 6.0
// TLS throughput, handshake-rate and leak measurements for PostgresTLS, kept out of the main package so that
// its build is untouched. Run through .ci/bench-tls and .ci/tls-leak-check.
import PackageDescription

let package = Package(
    name: "pgw-tls-tool",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "pgw", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "TLSTool",
            dependencies: [
                .product(name: "PostgresTLS", package: "pgw"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
