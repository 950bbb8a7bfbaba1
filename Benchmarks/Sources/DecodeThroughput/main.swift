// Plain decode throughput: builds the benchmark streams once, then times each workload with
// ContinuousClock and prints MB/s (10^6 bytes of wire stream per second) and messages/s.
//
//   DecodeThroughput [--runs N] [--megabytes M] [--filter SUBSTRING]
//
// Each workload runs once to warm up, then N times (default 7); the best and the median run are shown.
import DecodeWorkloads
import Foundation
import NIOCore

var runs = 7
var megabytes = 100
var filter: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    case "--megabytes": megabytes = Int(arguments.popFirst() ?? "") ?? megabytes
    case "--filter": filter = arguments.popFirst()
    default:
        print("usage: DecodeThroughput [--runs N] [--megabytes MiB] [--filter SUBSTRING]")
        exit(2)
    }
}

/// A workload to time: the stream (built once, outside the timing) and the decode run over it.
struct Case {
    var name: String
    var prepare: () -> (workload: Workload, run: () throws -> DecodeResult)
}

let dataRowBytes = megabytes << 20

/// The DataRow stream held in 1 MiB pieces and in one ByteBuffer, each passed to `decode` (described by `how`).
func dataRowCases(_ how: String, _ decode: @escaping ([ByteBuffer]) throws -> DecodeResult) -> [Case] {
    let holdings: [(String, (Workload) -> [ByteBuffer])] = [
        ("in 1 MiB pieces", { $0.segments() }), ("in one ByteBuffer", { [$0.stream] }),
    ]
    return holdings.map { holding, pieces in
        Case(name: "DataRow stream \(holding): \(how)") {
            let workload = Streams.dataRows(minimumBytes: dataRowBytes)
            let segments = pieces(workload)
            return (workload, { try decode(segments) })
        }
    }
}

let cases =
    dataRowCases("BackendMessageDecoder + column slicing") { try Decode.dataRows(segments: $0) }
    + dataRowCases("in place (frameMessages + DataRow.forEachColumn)") { try Decode.dataRowsInPlace(segments: $0) }
    + [
        Case(name: "DataRow stream in 64 KiB reads: SessionDecoder + column slicing") {
            let workload = Streams.dataRows(minimumBytes: dataRowBytes)
            let reads = workload.reads()
            return (workload, { Decode.dataRowsSession(reads: reads) })
        },
        Case(name: "COPY FROM STDIN stream in 1 MiB pieces: FrontendMessageDecoder") {
            let workload = Streams.copyIn(minimumBytes: megabytes << 20)
            let segments = workload.segments()
            return (workload, { try Decode.copyIn(segments: segments) })
        },
        Case(name: "COPY FROM STDIN stream in one ByteBuffer: FrontendMessageDecoder") {
            let workload = Streams.copyIn(minimumBytes: megabytes << 20)
            return (workload, { try Decode.copyIn(workload.stream) })
        },
    ]

func format(_ value: Double, _ digits: Int = 1) -> String {
    let scale = (0..<digits).reduce(1.0) { value, _ in value * 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        text += String(repeating: "0", count: max(0, digits - decimals))
    }
    return text
}

let clock = ContinuousClock()
print("DecodeThroughput: \(runs) timed runs per workload after 1 warm-up; MB = 10^6 bytes")
for testCase in cases where filter.map({ testCase.name.lowercased().contains($0.lowercased()) }) ?? true {
    var prepared: (workload: Workload, run: () throws -> DecodeResult)!
    let buildTime = clock.measure { prepared = testCase.prepare() }
    let workload = prepared.workload
    print("")
    print("\(testCase.name)")
    print(
        "  stream: \(workload.bytes) bytes, \(workload.messages) messages (built in \(format(buildTime.seconds, 2)) s)")
    var seconds: [Double] = []
    for run in 0...runs {
        var result = DecodeResult()
        let elapsed = try clock.measure { result = try prepared.run() }
        Decode.verify(result, workload)
        if run > 0 { seconds.append(elapsed.seconds) }
    }
    seconds.sort()
    let best = seconds.first!
    let median = seconds[seconds.count / 2]
    let megabytesPerSecond = { (time: Double) in Double(workload.bytes) / time / 1e6 }
    let messagesPerSecond = { (time: Double) in Double(workload.messages) / time }
    print(
        "  best:   \(format(megabytesPerSecond(best))) MB/s, \(format(messagesPerSecond(best) / 1e6, 2)) M messages/s (\(format(best * 1000, 1)) ms)"
    )
    print(
        "  median: \(format(megabytesPerSecond(median))) MB/s, \(format(messagesPerSecond(median) / 1e6, 2)) M messages/s (\(format(median * 1000, 1)) ms)"
    )
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
