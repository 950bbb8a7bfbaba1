import NIOCore
import Testing

@testable import PostgresWire

/// JSON lines written straight from a message's bytes (``RawMessageJSON``, what `pgw proxy --format json` logs for
/// the common messages) are byte for byte the lines of the decoded message, and the messages it does not write
/// (unusual text, malformed bodies, other types) leave the output as it was.
struct RawMessageJSONTests {
    /// The members `pgw proxy` adds, with a quote to escape.
    static let members: [(String, RenderedValue)] = [("connection", .integer(2)), ("time", .string("t\"1"))]

    /// The raw line of the typed message `bytes`, when ``RawMessageJSON`` writes one, with a new cache.
    static func rawLine(_ bytes: ByteBuffer, _ direction: MessageDirection, offset: Int) -> String? {
        var cache = RawMessageJSONCache()
        return rawLine(bytes, direction, offset: offset, cache: &cache)
    }

    /// The raw line of the typed message `bytes`, when ``RawMessageJSON`` writes one with `cache`: appended after
    /// other bytes, which stay as they were either way.
    static func rawLine(
        _ bytes: ByteBuffer, _ direction: MessageDirection, offset: Int, cache: inout RawMessageJSONCache
    ) -> String? {
        let before = Array("before".utf8)
        var output = before
        let written = bytes.withUnsafeReadableBytes { raw in
            RawMessageJSON.appendLine(
                typeByte: raw[0], body: UnsafeRawBufferPointer(rebasing: raw[5...]), direction: direction,
                offset: offset, jsonMembers: JSONLineMembers(members), cache: &cache, to: &output)
        }
        guard written else {
            #expect(output == before)
            return nil
        }
        #expect(output.starts(with: before))
        return String(decoding: output.dropFirst(before.count), as: UTF8.self)
    }

    /// The decoded message's JSON line, when `bytes` decode.
    static func decodedLine(_ bytes: ByteBuffer, _ direction: MessageDirection, offset: Int) -> String? {
        var rest = bytes
        let message: WireMessage
        do {
            switch direction {
            case .frontend:
                var decoder = FrontendMessageDecoder(phase: .messages)
                guard let decoded = try decoder.decode(from: &rest) else { return nil }
                message = .frontend(decoded)
            case .backend:
                var decoder = BackendMessageDecoder(phase: .messages)
                guard let decoded = try decoder.decode(from: &rest) else { return nil }
                message = .backend(decoded)
            }
        } catch {
            return nil
        }
        return DecodedMessage(message: message, offset: offset, bytes: bytes).formatted(
            as: .json, jsonMembers: members)
    }

    /// A typed message: `type`, the length word, then `body`.
    static func typed(_ type: Character, _ body: ByteBuffer) -> ByteBuffer {
        var bytes = wire(.char(type), .int32(Int32(body.readableBytes + 4)))
        var body = body
        bytes.writeBuffer(&body)
        return bytes
    }

    /// Whether `bytes` are one whole typed message: a type byte and a length word that covers the rest.
    static func isTyped(_ bytes: ByteBuffer) -> Bool {
        guard bytes.readableBytes >= 5, let length = bytes.getInteger(at: bytes.readerIndex + 1, as: Int32.self)
        else { return false }
        return Int(length) == bytes.readableBytes - 1
    }

    @Test func rawLinesAreTheDecodedMessagesLines() {
        var written: Set<String> = []
        for message in InPlaceRenderingTests.allMessages() where Self.isTyped(message.bytes) {
            guard let line = Self.rawLine(message.bytes, message.direction, offset: message.offset) else { continue }
            #expect(line == message.formatted(as: .json, jsonMembers: Self.members))
            written.insert(message.message.typeName)
        }
        let common = [
            "Query", "Parse", "Bind", "Describe", "Execute", "Sync", "RowDescription", "DataRow", "CommandComplete",
            "ReadyForQuery", "ParseComplete", "BindComplete", "CopyData",
        ]
        #expect(Set(common).isSubset(of: written), "written: \(written.sorted())")
    }

    /// Plain messages with values that need escaping, hex or unusual numbers: written, and as decoded.
    static let plain: [(MessageDirection, ByteBuffer)] = [
        (.frontend, typed("Q", wire(.cstring("select '\"\\\n\t\r é€𝄞'")))),
        (.frontend, typed("Q", wire(.cstring("")))),
        (.frontend, typed("E", wire(.cstring("p\"1"), .int32(-7)))),
        (.frontend, typed("C", wire(.char("P"), .cstring("portal")))),
        (.frontend, typed("P", wire(.cstring("s1"), .cstring("select $1"), .int16(2), .int32(23), .int32(999_999)))),
        (
            .frontend,
            typed(
                "B",
                wire(
                    .cstring(""), .cstring("s1"), .int16(2), .int16(1), .int16(7), .int16(3), .int32(-1), .int32(2),
                    .raw([0, 0xFF]), .int32(0), .int16(1), .int16(1)))
        ),
        (
            .backend,
            typed(
                "D", wire(.int16(4), .int32(4), .raw([0, 1, 0xFF, 7]), .int32(3), .text("a\"b"), .int32(-1), .int32(0)))
        ),
        (
            .backend,
            typed(
                "T",
                wire(
                    .int16(2), .cstring("é"), .int32(99), .int16(-2), .int32(123_456), .int16(-1), .int32(-1),
                    .int16(2), .cstring("n"), .int32(0), .int16(0), .int32(0), .int16(4), .int32(12), .int16(1)))
        ),
        (.backend, typed("t", wire(.int16(2), .int32(0), .int32(25)))),
        (.backend, typed("Z", wire(.char("E")))),
        (.backend, typed("d", wire(.text("1\tx\\y\n")))),
        (.backend, typed("d", wire(.raw([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0])))),
        (.frontend, typed("d", wire(.text("")))),
        (.backend, typed("C", wire(.cstring("INSERT 0 1")))),
    ]

    @Test func plainMessagesRenderAsDecoded() {
        for (direction, bytes) in Self.plain {
            let line = Self.rawLine(bytes, direction, offset: 7)
            #expect(line != nil)
            #expect(line == Self.decodedLine(bytes, direction, offset: 7))
        }
    }

    /// Messages the raw lines leave to decoding.
    static let leftToDecoding: [(MessageDirection, ByteBuffer)] = [
        // Not UTF-8 (decoding keeps the byte as an escape and shows it in hex), and the lead byte of U+10FF41
        // (decoding's escape for a byte, shown in hex).
        (.frontend, typed("Q", wire(.raw([0x61, 0xE9, 0])))),
        (.frontend, typed("Q", wire(.raw([0x78, 0xF4, 0x8F, 0xBD, 0x81, 0])))),
        // A control character other than newline, tab and carriage return.
        (.frontend, typed("Q", wire(.raw([0x61, 0x01, 0])))),
        // Trailing bytes, a missing terminator, a truncated DataRow, a bad status, a bad object kind.
        (.frontend, typed("Q", wire(.raw([0x61, 0, 0x62])))),
        (.frontend, typed("Q", wire(.raw([0x61, 0x62])))),
        (.backend, typed("D", wire(.int16(1), .int32(5)))),
        (.backend, typed("Z", wire(.char("X")))),
        (.frontend, typed("D", wire(.char("X"), .cstring("")))),
        (.frontend, typed("S", wire(.raw([0])))),
        // Types the raw lines do not write.
        (.backend, typed("E", wire(.raw([0])))),
        (.frontend, typed("p", wire(.cstring("secret")))),
    ]

    /// One cache for every message, each written twice (the second time from the kept fields, at another offset),
    /// and the lines are still the decoded messages' lines; the messages left to decoding are still left to it.
    @Test func cachedFieldsAreTheDecodedMessagesFields() {
        var cache = RawMessageJSONCache()
        let messages =
            InPlaceRenderingTests.allMessages().filter { Self.isTyped($0.bytes) }.map { ($0.direction, $0.bytes) }
            + Self.plain
        var rewritten = 0
        for (direction, bytes) in messages {
            for offset in [3, 12_345] {
                guard let line = Self.rawLine(bytes, direction, offset: offset, cache: &cache) else { continue }
                #expect(line == Self.decodedLine(bytes, direction, offset: offset))
                rewritten += offset == 3 ? 0 : 1
            }
        }
        #expect(rewritten > 10)
        for (direction, bytes) in Self.leftToDecoding {
            #expect(Self.rawLine(bytes, direction, offset: 0, cache: &cache) == nil)
        }
    }

    @Test func unusualMessagesAreLeftToDecoding() {
        for (direction, bytes) in Self.leftToDecoding {
            #expect(Self.rawLine(bytes, direction, offset: 0) == nil)
        }
    }
}
