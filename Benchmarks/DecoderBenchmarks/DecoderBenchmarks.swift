// package-benchmark suite for PostgresWire's decoders.
//
// One benchmark iteration decodes a whole stream (about 100 MiB), so package-benchmark's own
// `throughput` metric is streams per second. Each iteration also reports two custom metrics,
// measured around the decode loop only (the stream is built once, before any measurement):
//   MB/s        10^6 bytes of wire stream decoded per second
//   Kmsgs/s     thousands of messages decoded per second
// Both are "larger is better"; read their p50 (median) column. See README.md.
import Benchmark
import DecodeWorkloads
import NIOCore

extension BenchmarkMetric {
    static let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    static let kiloMessagesPerSecond = BenchmarkMetric.custom(
        "Kmsgs/s", polarity: .prefersLarger, useScalingFactor: false)
}

// Globals are built lazily, on first use: before startMeasurement() in the first (warm-up) iteration.
let dataRowWorkload = Streams.dataRows()
let dataRowSegments = dataRowWorkload.segments()
let dataRowReads = dataRowWorkload.reads()
let copyInWorkload = Streams.copyIn()
let copyInSegments = copyInWorkload.segments()

var configuration: Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .megabytesPerSecond, .kiloMessagesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 20
    )
}

/// Runs `decode` over `workload` as one measured iteration and records MB/s and Kmsgs/s.
func measure(
    _ benchmark: Benchmark,
    _ workload: Workload,
    _ decode: () throws -> DecodeResult
) throws {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let start = clock.now
    let result = try decode()
    let elapsed = start.duration(to: clock.now)
    benchmark.stopMeasurement()
    blackHole(result)
    Decode.verify(result, workload)
    let (seconds, attoseconds) = elapsed.components
    let time = Double(seconds) + Double(attoseconds) / 1e18
    benchmark.measurement(.megabytesPerSecond, Int((Double(workload.bytes) / time / 1e6).rounded()))
    benchmark.measurement(.kiloMessagesPerSecond, Int((Double(workload.messages) / time / 1e3).rounded()))
}

let benchmarks: @Sendable () -> Void = {
    // (a) framing + column slicing; the stream in 1 MiB pieces, as a reader of a socket or file would hold it
    Benchmark("DataRow stream: BackendMessageDecoder + column slicing", configuration: configuration) { benchmark in
        let segments = dataRowSegments
        try measure(benchmark, dataRowWorkload) { try Decode.dataRows(segments: segments) }
    }

    // (a') the same, the whole stream in one ByteBuffer (as `pgw decode` holds a capture file)
    Benchmark("DataRow stream in one ByteBuffer: BackendMessageDecoder + column slicing", configuration: configuration)
    {
        benchmark in
        let stream = dataRowWorkload.stream
        try measure(benchmark, dataRowWorkload) { try Decode.dataRows(stream) }
    }

    // (a'') the same through SessionDecoder, appended in 64 KiB reads
    Benchmark("DataRow stream: SessionDecoder, 64 KiB reads", configuration: configuration) { benchmark in
        let reads = dataRowReads
        try measure(benchmark, dataRowWorkload) { Decode.dataRowsSession(reads: reads) }
    }

    // (b) COPY FROM STDIN upload, in 1 MiB pieces
    Benchmark("COPY FROM STDIN stream: FrontendMessageDecoder", configuration: configuration) { benchmark in
        let segments = copyInSegments
        try measure(benchmark, copyInWorkload) { try Decode.copyIn(segments: segments) }
    }

    // (b') the same, the whole stream in one ByteBuffer
    Benchmark("COPY FROM STDIN stream in one ByteBuffer: FrontendMessageDecoder", configuration: configuration) {
        benchmark in
        let stream = copyInWorkload.stream
        try measure(benchmark, copyInWorkload) { try Decode.copyIn(stream) }
    }
}
