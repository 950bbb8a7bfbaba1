// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "pgw",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "PostgresWire", targets: ["PostgresWire"]),
        .library(name: "PostgresTLS", targets: ["PostgresTLS"]),
        .library(name: "PostgresAuthentication", targets: ["PostgresAuthentication"]),
        .library(name: "PostgresGateway", targets: ["PostgresGateway"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "PostgresCapture", targets: ["PostgresCapture"]),
        .library(name: "PostgresProxy", targets: ["PostgresProxy"]),
        .executable(name: "pgw", targets: ["pgw"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .systemLibrary(
            name: "CPgQuery",
            providers: [.apt(["libpg-query-dev"])]
        ),
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(
            name: "PostgresWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PostgresCapture",
            dependencies: ["CPcap", "PostgresWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PostgresTLS",
            dependencies: [
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PostgresAuthentication",
            dependencies: ["COpenSSL", "PostgresTLS"]
        ),
        .target(
            name: "PostgresGateway",
            dependencies: [
                "PostgresWire",
                "PostgresTLS",
                "PostgresAuthentication",
                "COpenSSL",
                "CPgQuery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PostgresClient",
            dependencies: [
                "PostgresWire",
                "PostgresTLS",
                "PostgresAuthentication",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PostgresProxy",
            dependencies: [
                "PostgresWire",
                "PostgresTLS",
                "PostgresGateway",
                "PostgresClient",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PostgresREPL",
            dependencies: [
                "CLibEdit",
                "PostgresClient",
                "PostgresGateway",
                "PostgresTLS",
                "PostgresWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "pgw",
            dependencies: [
                "PostgresProxy",
                "PostgresWire",
                "PostgresClient",
                "PostgresREPL",
                "PostgresAuthentication",
                "PostgresCapture",
                "PostgresGateway",
                "PostgresTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/Examples/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .executableTarget(
            name: "EchoServerExample",
            dependencies: ["PostgresAuthentication", "PostgresGateway"],
            path: "Sources/Examples/EchoServer"
        ),
        .executableTarget(
            name: "ClientExample",
            dependencies: [
                "PostgresClient",
                "PostgresWire",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Examples/Client"
        ),
        .executableTarget(
            name: "SNIProxyExample",
            dependencies: [
                "PostgresGateway",
                "PostgresTLS",
                "PostgresWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Examples/SNIProxy"
        ),
        .executableTarget(
            name: "SQLiteServerExample",
            dependencies: [
                "CSQLite",
                "PostgresGateway",
                "PostgresWire",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Examples/SQLiteServer"
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "Tests/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "PostgresTestSupport",
            path: "Tests/PostgresTestSupport"
        ),
        .testTarget(
            name: "PostgresWireTests",
            dependencies: ["PostgresWire", "PostgresTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PostgresTLSTests",
            dependencies: [
                "PostgresTLS",
                "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresGatewayTests",
            dependencies: [
                "PostgresAuthentication",
                "PostgresGateway",
                "PostgresTLS",
                "PostgresWire",
                "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: [
                "CLibPQ",
                "PostgresAuthentication",
                "PostgresClient",
                "PostgresGateway",
                "PostgresTLS",
                "PostgresTestSupport",
                "PostgresWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresCaptureTests",
            dependencies: [
                "PostgresCapture", "PostgresWire", "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresProxyTests",
            dependencies: [
                "PostgresClient",
                "PostgresGateway",
                "PostgresProxy",
                "PostgresTLS",
                "PostgresWire",
                "PostgresTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresREPLTests",
            dependencies: [
                "PostgresREPL",
                "PostgresTestSupport",
                "PostgresWire",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CaptureTests",
            dependencies: [
                "PostgresWire",
                "PostgresCapture",
                "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Clients")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
