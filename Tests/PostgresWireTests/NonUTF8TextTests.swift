import NIOCore
import PostgresWire
import Testing

/// Text that is not UTF-8 (a LATIN1 client): decoded, shown escaped, JSON as bytes, re-encoded byte for byte.
@Suite("text that is not UTF-8")
struct NonUTF8TextTests {
    /// A Query whose text is LATIN1 `select 'café'`, then a Terminate.
    static let latin1Query: [UInt8] = [UInt8(ascii: "Q"), 0, 0, 0, 18] + Array("select 'caf".utf8) + [0xE9, 0x27, 0]

    @Test("decoding goes on; text shows the byte escaped, JSON gives the bytes in hex, encoding restores them")
    func latin1Query() throws {
        var decoder = FrontendMessageDecoder(phase: .messages)
        var buffer = ByteBuffer(bytes: Self.latin1Query + [UInt8(ascii: "X"), 0, 0, 0, 4])
        let query = try #require(try decoder.decode(from: &buffer))
        #expect(try decoder.decode(from: &buffer) == .terminate)
        let decoded = DecodedMessage(
            message: .frontend(query), offset: 0, bytes: ByteBuffer(bytes: Self.latin1Query))
        #expect(decoded.formatted(as: .text) == #"F Query "select 'caf\xe9'""#)
        #expect(decoded.formatted(as: .json).hasSuffix(#""query":{"hex":"73656c6563742027636166e927"}}"#))
        var encoded = ByteBuffer()
        query.encode(into: &encoded)
        #expect(Array(encoded.readableBytesView) == Self.latin1Query)
    }

    @Test("a literal backslash stays distinguishable from an escaped byte")
    func literalBackslash() throws {
        var decoder = FrontendMessageDecoder(phase: .messages)
        var buffer = ByteBuffer(bytes: [UInt8(ascii: "Q"), 0, 0, 0, 9] + Array(#"\xe9"#.utf8) + [0])
        let query = try #require(try decoder.decode(from: &buffer))
        let decoded = DecodedMessage(message: .frontend(query), offset: 0, bytes: ByteBuffer())
        #expect(decoded.formatted(as: .text) == #"F Query "\\xe9""#)
        #expect(decoded.formatted(as: .json).hasSuffix(#""query":"\\xe9"}"#))
    }

    @Test("an ErrorResponse's message shows bytes that are not UTF-8 and control characters escaped, on one line")
    func errorMessageEscapes() throws {
        let body: [UInt8] =
            Array("SERROR\0C42601\0Mbad ".utf8) + [0xE9, 0xFF] + Array(" here\nline 2\0\0".utf8)
        let error = try #require(
            try decodeOneBackend(ByteBuffer(bytes: [UInt8(ascii: "E"), 0, 0, 0, UInt8(body.count + 4)] + body)))
        let decoded = DecodedMessage(message: .backend(error), offset: 0, bytes: ByteBuffer())
        // A message with a line break (and, from a server before 9.6, no unlocalized severity) shows every field by
        // name, so that the line reads back as the same bytes.
        let line = decoded.formatted(as: .text)
        #expect(line == #"B ErrorResponse localizedSeverity="ERROR" code="42601" message="bad \xe9\xff here\nline 2""#)
        #expect(
            try TextFormParser(direction: .backend).parse(line).bytes.readableBytesView.elementsEqual(
                [UInt8(ascii: "E"), 0, 0, 0, UInt8(body.count + 4)] + body))
        #expect(decoded.formatted(as: .json).contains(#""message":{"hex":"62616420e9ff20686572650a6c696e652032"}"#))
    }

    /// A LATIN1 session: `select 'café'::text as "naïve", '\x636166c3a9'::bytea` by the simple and the extended
    /// protocol (a Bind with a LATIN1 text parameter). The column name is U+10FFEF-free in the text line: escaped.
    static let latin1Session = SyntheticSessions.Session(
        name: "LATIN1 names and values",
        frontend: [
            SyntheticSessions.startup, .query(Query("select 'caf\u{10FFE9}'::text as \"na\u{10FFEF}ve\", …")),
            .parse(Parse(name: "", query: "select $1::text", parameterTypes: [])),
            .bind(Bind(parameters: [ByteBuffer(bytes: Array("caf".utf8) + [0xE9])])), .describe(.portal("")),
            .execute(Execute()), .sync,
            .terminate,
        ],
        backend: SyntheticSessions.serverReady + [
            .rowDescription(
                RowDescription(columns: [
                    .init(name: "na\u{10FFEF}ve", dataTypeOID: 25), .init(name: "bytea", dataTypeOID: 17),
                ])),
            .dataRow(
                DataRow(columns: [
                    ByteBuffer(bytes: Array("caf".utf8) + [0xE9]), ByteBuffer(string: "\\x636166c3a9"),
                ])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            .parseComplete, .bindComplete,
            .rowDescription(RowDescription(columns: [.init(name: "t", dataTypeOID: 25)])),
            .dataRow(DataRow(columns: [ByteBuffer(bytes: Array("caf".utf8) + [0xE9])])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
        ])

    @Test("RowDescription names and text values that are not UTF-8 show their bytes escaped, as a Query does")
    func latin1NamesAndValues() throws {
        let lines = TypedValueTests.lines(Self.latin1Session)
        #expect(lines.contains(#"F Query "select 'caf\xe9'::text as \"na\xefve\", …""#), "\(lines)")
        #expect(lines.contains(#"B RowDescription ["na\xefve" text, bytea bytea]"#), "\(lines)")
        // The LATIN1 text and the bytea's text form read differently: a `\x` string is text, its backslash `\x5c`.
        #expect(lines.contains(#"B DataRow ["caf\xe9", "\x5cx636166c3a9"]"#), "\(lines)")
        #expect(lines.contains(#"F Bind portal="" statement="" parameters=["caf\xe9"]"#), "\(lines)")
        #expect(lines.contains(#"B DataRow ["caf\xe9"]"#), "\(lines)")
        // The same DataRow framed in place, as `pgw decode` writes a capture's rows.
        var decoder = SessionDecoder(waitsForTurn: true)
        decoder.append(Self.latin1Session.frontendBytes, from: .frontend)
        decoder.append(Self.latin1Session.backendBytes, from: .backend)
        decoder.finish()
        var framed: [String] = []
        while decoder.nextEvent(framingBulkMessages: { direction, frame, types in
            var line: [UInt8] = []
            frame.write(as: .text, from: direction, valueTypes: types, to: &line)
            framed.append(String(decoding: line, as: UTF8.self))
        }) != nil {}
        #expect(framed == [#"B DataRow ["caf\xe9", "\x5cx636166c3a9"]"#, #"B DataRow ["caf\xe9"]"#], "\(framed)")
    }

    @Test("the escaped lines parse back to the original bytes")
    func latin1LinesParse() throws {
        let backend = TextFormParser(direction: .backend)
        // The default RowDescription line gives each column's name and type, all these columns have.
        for case .rowDescription(let description) in Self.latin1Session.backend {
            let line = BackendMessage.rowDescription(description).rendered().textLine
            #expect(try backend.parse(line).message == .backend(.rowDescription(description)), "\(line)")
        }
        let row = try backend.parse(#"B DataRow ["caf\xe9"]"#)
        var expected = ByteBuffer()
        BackendMessage.dataRow(DataRow(columns: [ByteBuffer(bytes: Array("caf".utf8) + [0xE9])])).encode(
            into: &expected)
        #expect(row.bytes == expected)
        for message in Self.latin1Session.backend {
            let line = message.rendered(options: .lossless).textLine
            #expect(try backend.parse(line).message == .backend(message), "\(line)")
        }
        let query = try TextFormParser(direction: .frontend).parse(#"Query "select 'caf\xe9'""#)
        #expect(Array(query.bytes.readableBytesView) == Self.latin1Query)
        for message in Self.latin1Session.frontend {
            let line = message.rendered(options: .lossless).textLine
            #expect(try TextFormParser(direction: .frontend).parse(line).message == .frontend(message), "\(line)")
        }
    }
}
