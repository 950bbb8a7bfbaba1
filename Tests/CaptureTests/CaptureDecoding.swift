import NIOCore
import PostgresTestSupport
import PostgresWire

/// The result of running one connection's capture through a `SessionDecoder`.
struct CaptureDecoding: Sendable {
    let capture: ConnectionCapture
    let strategy: ChunkingStrategy
    private(set) var frontend: [DecodedMessage] = []
    private(set) var backend: [DecodedMessage] = []
    private(set) var failures: [DecodingFailure] = []
    private(set) var remainingFrontendBytes = 0
    private(set) var remainingBackendBytes = 0

    /// Decodes `capture`, feeding it to the decoder as `strategy` says.
    init(_ capture: ConnectionCapture, strategy: ChunkingStrategy) {
        self.capture = capture
        self.strategy = strategy
        var decoder = SessionDecoder()
        switch strategy {
        case .wholeStreams:
            decoder.append(capture.frontend, from: .frontend)
            decoder.append(capture.backend, from: .backend)
        case .singleBytes, .randomSizes:
            var generator = SeededRandomNumberGenerator(seed: strategy.randomSeed)
            var offsets: [MessageDirection: Int] = [.frontend: 0, .backend: 0]
            for run in Self.runs(of: capture.segments) {
                let stream = capture.bytes(run.direction)
                for length in strategy.pieceLengths(splitting: run.length, using: &generator) {
                    let offset = offsets[run.direction, default: 0]
                    decoder.append(
                        stream.getSlice(at: stream.readerIndex + offset, length: length)!, from: run.direction)
                    offsets[run.direction] = offset + length
                    drain(&decoder)
                }
            }
        }
        decoder.finish()
        drain(&decoder)
        remainingFrontendBytes = decoder.remainingBytes(.frontend)
        remainingBackendBytes = decoder.remainingBytes(.backend)
    }

    /// The messages decoded in `direction`, in stream order.
    func messages(_ direction: MessageDirection) -> [DecodedMessage] {
        direction == .frontend ? frontend : backend
    }

    /// Bytes the decoder never consumed in `direction`.
    func remainingBytes(_ direction: MessageDirection) -> Int {
        direction == .frontend ? remainingFrontendBytes : remainingBackendBytes
    }

    /// The names of the messages sent in `direction`, in order.
    func typeNames(_ direction: MessageDirection) -> [String] {
        messages(direction).map(\.message.typeName)
    }

    private mutating func drain(_ decoder: inout SessionDecoder) {
        while let event = decoder.nextEvent() {
            switch event {
            case .message(let decoded):
                switch decoded.direction {
                case .frontend: frontend.append(decoded)
                case .backend: backend.append(decoded)
                }
            case .failure(let direction, let error):
                failures.append(DecodingFailure(direction: direction, error: error))
            }
        }
    }

    /// Consecutive same-direction segments merged, so pieces may span several socket reads.
    private static func runs(of segments: [CaptureSegment]) -> [CaptureSegment] {
        var runs: [CaptureSegment] = []
        for segment in segments {
            if let last = runs.last, last.direction == segment.direction {
                runs[runs.count - 1].length += segment.length
            } else {
                runs.append(segment)
            }
        }
        return runs
    }
}
