import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Checks the codec's promises on every captured connection of a scenario.
///
/// For each connection: both directions decode without failure, every byte is consumed, messages
/// tile each stream exactly, each message re-encodes to its original bytes, its text form (as `pgw repl` takes it)
/// parses back to those bytes, and feeding the bytes one at a time or in random pieces yields the same messages as
/// decoding the whole streams; and their JSON lines match the published schema.
enum CaptureVerifier {
    /// The seed for random chunking: `PGW_CAPTURE_SEED` when set, otherwise fresh for this run.
    static let randomSeed: UInt64 =
        ProcessInfo.processInfo.environment["PGW_CAPTURE_SEED"].flatMap(UInt64.init)
        ?? UInt64.random(in: 1...UInt64.max)

    /// How many discrepancies to describe per check before summarizing the rest.
    private static let detailLimit = 5

    /// How many messages of one type and direction per connection have their JSON lines validated.
    ///
    /// `jsonschema` takes 1.4 to 2 ms a line: pgbench's 100,000 CopyData lines alone would take minutes and add
    /// no shape the first ones lack. The first 50 of each type (every message of most connections) keep the
    /// validation to a few seconds per scenario.
    private static let validatedJSONLinesPerType = 50

    /// How many messages of one type and direction per connection have their text form round-tripped, before only
    /// every ``textFormSamplingInterval``th does.
    ///
    /// Rendering and parsing take about 0.1 ms a message in a debug build: pgbench's 100,000 CopyData lines would add
    /// ten seconds, with no shape the first thousand lack.
    private static let textFormRoundTripsPerType = 1_000
    private static let textFormSamplingInterval = 100

    /// Verifies every capture of `scenario`, recording an issue per broken promise,
    /// and returns the whole-stream decodings for scenario-specific expectations.
    ///
    /// The JSON lines of the messages (masked, and revealed where that differs) and of their summary must match
    /// `docs/pgw-messages.schema.json`; this throws when the validator's prerequisites are missing.
    static func verify(
        _ captures: [ConnectionCapture],
        scenario: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ScenarioTranscript {
        if captures.isEmpty {
            Issue.record("\(scenario): the relay recorded no connections", sourceLocation: sourceLocation)
        }
        let decodings = captures.map { capture in
            let label = "\(scenario), connection #\(capture.index)"
            let whole = CaptureDecoding(capture, strategy: .wholeStreams)
            verifyWholeStreams(whole, label: label, sourceLocation: sourceLocation)
            for strategy in [ChunkingStrategy.singleBytes, .randomSizes(seed: randomSeed &+ UInt64(capture.index))] {
                verifyChunking(
                    CaptureDecoding(capture, strategy: strategy), matches: whole, label: label,
                    sourceLocation: sourceLocation)
            }
            return whole
        }
        let problems = try await JSONLinesSchemaValidator.problems(in: jsonLines(decodings))
        if !problems.isEmpty {
            Issue.record(
                "\(scenario): JSON lines that do not match docs/pgw-messages.schema.json:\n\(problems.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        }
        return ScenarioTranscript(scenario: scenario, connections: decodings)
    }

    /// The JSON lines `pgw decode --format json` prints for the decodings, with and without `--summary`.
    private static func jsonLines(_ decodings: [CaptureDecoding]) -> [String] {
        var lines: [String] = []
        var statistics = MessageStatistics()
        for decoding in decodings {
            var validatedPerType: [String: Int] = [:]
            for direction in MessageDirection.allCases {
                for message in decoding.messages(direction) {
                    statistics.add(message)
                    let key = "\(direction) \(message.message.typeName)"
                    validatedPerType[key, default: 0] += 1
                    guard validatedPerType[key]! <= validatedJSONLinesPerType else { continue }
                    lines.append(message.formatted(as: .json))
                    if message.message.rendered().hasMaskedSecrets {
                        lines.append(message.formatted(as: .json, options: RenderOptions(revealSecrets: true)))
                    }
                }
            }
        }
        return lines + statistics.formatted(as: .json).split(separator: "\n").map(String.init)
    }

    private static func verifyWholeStreams(
        _ decoding: CaptureDecoding,
        label: String,
        sourceLocation: SourceLocation
    ) {
        if !decoding.failures.isEmpty {
            Issue.record(
                "\(label): decoding failed: \(decoding.failures.map(\.description).joined(separator: "; "))",
                sourceLocation: sourceLocation)
        }
        for direction in MessageDirection.allCases {
            let stream = decoding.capture.bytes(direction)
            if decoding.remainingBytes(direction) != 0 {
                Issue.record(
                    "\(label): \(decoding.remainingBytes(direction)) of \(stream.readableBytes) \(direction.rawValue) bytes not consumed",
                    sourceLocation: sourceLocation)
            }
            var problems: [String] = []
            var expectedOffset = 0
            let parser = TextFormParser(direction: direction)
            var textFormChecksPerType: [String: Int] = [:]
            for decoded in decoding.messages(direction) {
                let length = decoded.bytes.readableBytes
                if decoded.offset != expectedOffset {
                    problems.append(
                        "\(decoded.message.typeName) at offset \(decoded.offset), expected \(expectedOffset)")
                } else if decoded.bytes != stream.getSlice(at: stream.readerIndex + decoded.offset, length: length) {
                    problems.append(
                        "\(decoded.message.typeName) at offset \(decoded.offset): bytes differ from the capture")
                }
                var encoded = ByteBuffer()
                decoded.message.encode(into: &encoded)
                if encoded != decoded.bytes {
                    problems.append(
                        "\(decoded.message.typeName) at offset \(decoded.offset) re-encodes differently:"
                            + " original \(hex(decoded.bytes)), re-encoded \(hex(encoded))")
                }
                let count = textFormChecksPerType[decoded.message.typeName, default: 0] + 1
                textFormChecksPerType[decoded.message.typeName] = count
                if count <= textFormRoundTripsPerType || count % textFormSamplingInterval == 0,
                    let problem = textFormProblem(decoded, parser: parser)
                {
                    problems.append(problem)
                }
                expectedOffset = decoded.offset + length
            }
            if decoding.failures.isEmpty, expectedOffset != stream.readableBytes {
                problems.append("messages cover \(expectedOffset) of \(stream.readableBytes) bytes")
            }
            if !problems.isEmpty {
                Issue.record(
                    "\(label), \(direction.rawValue): \(summarize(problems))", sourceLocation: sourceLocation)
            }
        }
    }

    /// Render → parse → encode: the lossless text line of `decoded` must parse back to its bytes; why not, if so.
    private static func textFormProblem(_ decoded: DecodedMessage, parser: TextFormParser) -> String? {
        let line = decoded.message.rendered(options: .lossless).textLine
        let parsed: TextFormLine
        do {
            parsed = try parser.parse(line)
        } catch {
            return "\(decoded.message.typeName) at offset \(decoded.offset): its text form does not parse: \(error)"
        }
        guard parsed.bytes != decoded.bytes else { return nil }
        return "\(decoded.message.typeName) at offset \(decoded.offset): its text form \(line) encodes to "
            + "\(hex(parsed.bytes)), the capture has \(hex(decoded.bytes))"
    }

    private static func verifyChunking(
        _ chunked: CaptureDecoding,
        matches whole: CaptureDecoding,
        label: String,
        sourceLocation: SourceLocation
    ) {
        if chunked.failures != whole.failures {
            Issue.record(
                "\(label), \(chunked.strategy): failures \(chunked.failures) differ from whole-stream failures \(whole.failures)",
                sourceLocation: sourceLocation)
        }
        for direction in MessageDirection.allCases {
            let expected = whole.messages(direction).map(MessageSignature.init)
            let actual = chunked.messages(direction).map(MessageSignature.init)
            guard actual != expected else { continue }
            let firstDifference =
                zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(actual.count, expected.count)
            let got = actual.dropFirst(firstDifference).prefix(3).map(\.description)
            let wanted = expected.dropFirst(firstDifference).prefix(3).map(\.description)
            Issue.record(
                """
                \(label), \(direction.rawValue), \(chunked.strategy): \(actual.count) messages instead of \(expected.count); \
                first difference at message \(firstDifference): got \(got), expected \(wanted)
                """,
                sourceLocation: sourceLocation)
        }
    }

    private static func summarize(_ problems: [String]) -> String {
        let shown = problems.prefix(detailLimit).joined(separator: "; ")
        return problems.count > detailLimit ? "\(shown); and \(problems.count - detailLimit) more" : shown
    }

    private static func hex(_ bytes: ByteBuffer, limit: Int = 64) -> String {
        let shown = bytes.readableBytesView.prefix(limit).map { String(format: "%02x", $0) }.joined()
        return bytes.readableBytes > limit ? shown + "…" : shown
    }
}
