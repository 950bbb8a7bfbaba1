// swift-tools-version: 6.0
// A libFuzzer harness for PostgresWire's decoders, kept out of the main package so that its build
// is untouched. Build it only with the fuzzer sanitizer (see ../../.ci/fuzz and README.md):
//   swift build --package-path Tests/Fuzz --scratch-path .build-fuzz -c debug \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
import PackageDescription

let package = Package(
    name: "pgw-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "pgw", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Declares libFuzzer's driver entry point; the library itself comes with -sanitize=fuzzer.
        .systemLibrary(name: "CLibFuzzer", path: "CLibFuzzer"),
        .executableTarget(
            name: "FuzzDecoders",
            dependencies: [
                "CLibFuzzer",
                .product(name: "PostgresWire", package: "pgw"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "FuzzDecoders"
        ),
    ],
    swiftLanguageModes: [.v6]
)
