// swift-tools-version: 6.1
// Decoder throughput benchmarks for PostgresWire, kept out of the main package so that its build
// and dependencies are untouched. Run with ../.ci/bench-decode, or from this directory:
//   swift package --scratch-path ../.build-bench benchmark        (package-benchmark, table output)
//   swift run -c release --scratch-path ../.build-bench DecodeThroughput   (plain MB/s and msgs/s)
import PackageDescription

let package = Package(
    name: "pgw-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "pgw", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Only the malloc interposer: the default RuntimeInterposer trait needs a package that is not mirrored here.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The synthetic streams and the decode loops, shared by both executables.
        .target(
            name: "DecodeWorkloads",
            dependencies: [
                .product(name: "PostgresWire", package: "pgw"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/DecodeWorkloads"
        ),
        // package-benchmark suite; the plugin finds it because its folder's parent is named Benchmarks.
        .executableTarget(
            name: "DecoderBenchmarks",
            dependencies: [
                "DecodeWorkloads",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "DecoderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Plain timer: runs the same workloads with ContinuousClock and prints MB/s and messages/s.
        .executableTarget(
            name: "DecodeThroughput",
            dependencies: ["DecodeWorkloads"],
            path: "Sources/DecodeThroughput"
        ),
    ],
    swiftLanguageModes: [.v6]
)
