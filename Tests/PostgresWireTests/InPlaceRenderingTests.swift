import NIOCore
import PostgresWire
import Testing

/// Lines written in place (``DecodedMessage/write(as:options:linePrefix:jsonMembers:textSuffix:to:)``, what
/// `pgw decode` prints) are the lines of the message's ``MessageRendering``, and long text is cut by characters.
struct InPlaceRenderingTests {
    /// Every golden vector and synthetic session message, decoded.
    static func allMessages() -> [DecodedMessage] {
        var messages = decodedGoldenVectors(offset: 3)
        for session in SyntheticSessions.all {
            for case .message(let message) in SessionDecoderTests.decode(session) { messages.append(message) }
        }
        return messages
    }

    @Test(arguments: [
        RenderOptions(), RenderOptions(revealSecrets: true), .lossless, RenderOptions(maximumTextValueLength: 3),
    ])
    func linesWrittenInPlaceAreTheRenderingsLines(options: RenderOptions) {
        let messages = Self.allMessages()
        #expect(messages.count > 100)
        for message in messages {
            let rendering = message.message.rendered(options: options)
            let prefix = message.direction == .frontend ? "F " : "B "
            #expect(message.formatted(as: .text, options: options) == prefix + rendering.textLine)
            let context: [(String, RenderedValue)] = [("connection", .integer(2)), ("time", .string("t\"1"))]
            #expect(
                message.formatted(as: .json, options: options, jsonMembers: context)
                    == rendering.jsonLine(offset: message.offset, length: message.bytes.readableBytes, context: context)
            )
            var output = Array("before ".utf8)
            message.write(as: .text, options: options, linePrefix: "12:00 ", textSuffix: " (1 ms)", to: &output)
            #expect(
                String(decoding: output, as: UTF8.self) == "before 12:00 " + prefix + rendering.textLine + " (1 ms)")
        }
    }

    static func queryLine(_ text: String, limit: Int) -> String {
        FrontendMessage.query(Query(text)).rendered(options: RenderOptions(maximumTextValueLength: limit)).textLine
    }

    @Test func longTextIsCutByCharactersNotBytes() {
        #expect(Self.queryLine("abcdefghij", limit: 5) == #"Query "abcd"…(10 bytes)"#)
        #expect(Self.queryLine("abcde", limit: 5) == #"Query "abcde""#)
        #expect(Self.queryLine("abcdef", limit: 5) == #"Query "abcd"…(6 bytes)"#)
        // Four characters of two scalars each (e and a combining accent) fit a limit of 5.
        let accents = String(repeating: "e\u{301}", count: 4)
        #expect(Self.queryLine(accents, limit: 5) == "Query \"\(accents)\"")
        #expect(Self.queryLine(accents + "xyz", limit: 5) == "Query \"\(accents)\"…(15 bytes)")
        // Escapes count as the characters they are written with.
        #expect(Self.queryLine("a\nb\nc", limit: 5) == #"Query "a\nb"…(5 bytes)"#)
        #expect(Self.queryLine("ab\u{1}", limit: 12) == #"Query "ab\u0001""#)
    }

    @Test func noLimitShowsEverythingWhole() {
        // `pgw decode --full` renders with Int.max as the limit: no value is cut, and nothing overflows.
        let long = String(repeating: "x", count: 300) + "é"
        #expect(Self.queryLine(long, limit: .max) == "Query \"\(long)\"")
        let row = BackendMessage.dataRow(DataRow(columns: [ByteBuffer(bytes: Array(repeating: 0, count: 200))]))
        let line = row.rendered(options: RenderOptions(maximumTextValueLength: .max)).textLine
        #expect(line == "DataRow [\"\\\\x" + String(repeating: "00", count: 200) + "\"]")
    }

    /// The cut counts the value's bytes, as the message's own length does (`CopyData 133 bytes "\\x5047…"…(133
    /// bytes)`), not the hex digits that show them.
    @Test func bytesAreCutInHex() {
        let row = BackendMessage.dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 1, 2, 3, 4, 5])]))
        #expect(
            row.rendered(options: RenderOptions(maximumTextValueLength: 8)).textLine
                == #"DataRow ["\\x0001"…(6 bytes)]"#)
        let copyData = BackendMessage.copyData(
            CopyData(data: ByteBuffer(bytes: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF])))
        #expect(
            copyData.rendered(options: RenderOptions(maximumTextValueLength: 8)).textLine
                == #"CopyData 8 bytes "\\x5047"…(8 bytes)"#)
    }
}
