import PostgresTestSupport

/// How captured bytes are handed to a `SessionDecoder`.
enum ChunkingStrategy: Sendable, CustomStringConvertible {
    /// Each direction's whole stream in one `append`, then `finish()`.
    case wholeStreams
    /// One byte per `append`, directions interleaved as the relay read them.
    case singleBytes
    /// Random-sized pieces per `append` (from `seed`), directions interleaved as the relay read them.
    case randomSizes(seed: UInt64)

    var description: String {
        switch self {
        case .wholeStreams: "whole streams"
        case .singleBytes: "single bytes"
        case .randomSizes(let seed): "random chunk sizes (seed \(seed); rerun with PGW_CAPTURE_SEED=\(seed))"
        }
    }

    /// The seed for the piece-length generator (0 when sizes are not random).
    var randomSeed: UInt64 {
        if case .randomSizes(let seed) = self { seed } else { 0 }
    }

    /// Lengths that split a run of `total` bytes into pieces.
    func pieceLengths(splitting total: Int, using generator: inout SeededRandomNumberGenerator) -> [Int] {
        switch self {
        case .wholeStreams:
            return [total]
        case .singleBytes:
            return Array(repeating: 1, count: total)
        case .randomSizes:
            var lengths: [Int] = []
            var left = total
            while left > 0 {
                let limit =
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0..<5: 16
                    case 5..<8: 512
                    default: 16_384
                    }
                let length = min(left, Int.random(in: 1...limit, using: &generator))
                lengths.append(length)
                left -= length
            }
            return lengths
        }
    }
}
