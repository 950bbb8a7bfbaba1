import NIOCore
import PostgresWire
import Testing

/// Render → parse → encode gives the original bytes: the text form is one language for seeing and typing.
struct TextFormRoundTripTests {
    /// Messages whose text could be misread: hex-looking text, control characters, quotes, odd names and codes.
    static let trickyFrontend: [FrontendMessage] = [
        .bind(
            Bind(
                portal: "p \"1\"", statement: "", parameterFormats: [FormatCode(rawValue: 7)],
                parameters: [
                    ByteBuffer(string: "\\x41"), ByteBuffer(string: "\\x"), ByteBuffer(bytes: [0, 1, 0xFF]), nil,
                    ByteBuffer(), ByteBuffer(string: "NULL"), ByteBuffer(string: "tab\there, comma [x]"),
                ],
                resultFormats: [.binary])),
        .query(Query("select '\u{1}é😀\\n', $$x$$ -- \"quoted\"\r\n")),
        .startup(
            StartupMessage(parameters: [
                .init("user", "a b"), .init("weird name=", "v"), .init("NULL", ""), .init("length", "9"),
            ])),
        .startup(
            StartupMessage(
                protocolVersion: ProtocolVersion(major: 2, minor: 0), parameters: [],
                unparsedBody: ByteBuffer(bytes: [1, 2, 0]))),
        .saslInitialResponse(SASLInitialResponse(mechanism: "SCRAM-SHA-256-PLUS", data: nil)),
        .saslInitialResponse(SASLInitialResponse(mechanism: "odd mech", data: ByteBuffer())),
        .copyData(CopyData(data: ByteBuffer(string: String(repeating: "long line ", count: 100)))),
        .functionCall(
            FunctionCall(
                functionOID: 1, argumentFormats: [.text, .binary], arguments: [], resultFormat: FormatCode(rawValue: -3)
            )),
        .parse(Parse(name: "s", query: "", parameterTypes: [0, 23, 999_999, 4_294_967_295])),
        .close(.statement("")),
    ]

    /// Backend messages whose text could be misread.
    static let trickyBackend: [BackendMessage] = [
        .errorResponse(
            DiagnosticMessage(fields: [
                .init(.severity, "ERROR"), .init(DiagnosticField(rawValue: UInt8(ascii: "Z")), "custom"),
                .init(DiagnosticField(rawValue: 1), "control code"), .init(.message, "two\nlines"),
                .init(.message, "again"),
            ])),
        .noticeResponse(DiagnosticMessage(fields: [])),
        .errorResponse(.legacy("FATAL:  old protocol\n")),
        .rowDescription(
            RowDescription(columns: [
                .init(
                    name: "a column, with [brackets]", tableOID: 16_384, columnAttributeNumber: -2,
                    dataTypeOID: 123_456, dataTypeSize: -2, typeModifier: 44, format: .binary),
                .init(name: "", dataTypeOID: 0),
            ])),
        .parameterStatus(ParameterStatus(name: "name", value: "value")),
        .parameterStatus(ParameterStatus(name: "odd name", value: "")),
        .authentication(.sasl(mechanisms: [])),
        .copyOutResponse(CopyResponse(format: -5, columnFormats: [FormatCode(rawValue: 300)])),
        .dataRow(DataRow(columns: [nil, ByteBuffer(string: "\\x00"), ByteBuffer(bytes: [0x5C, 0x78])])),
        .negotiateProtocolVersion(NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: [])),
    ]

    @Test(arguments: FrontendGoldenTests.vectors)
    func frontendGoldenVector(_ vector: FrontendGoldenTests.Vector) throws {
        try expectRoundTrip(.frontend(vector.message), bytes: vector.bytes)
    }

    @Test(arguments: BackendGoldenTests.vectors)
    func backendGoldenVector(_ vector: BackendGoldenTests.Vector) throws {
        try expectRoundTrip(.backend(vector.message), bytes: vector.bytes)
    }

    @Test(arguments: SyntheticSessions.all)
    func syntheticSession(_ session: SyntheticSessions.Session) throws {
        for message in session.frontend { try expectRoundTrip(.frontend(message), bytes: encoded(message)) }
        for message in session.backend { try expectRoundTrip(.backend(message), bytes: encoded(message)) }
    }

    @Test func trickyValues() throws {
        for message in Self.trickyFrontend { try expectRoundTrip(.frontend(message), bytes: encoded(message)) }
        for message in Self.trickyBackend { try expectRoundTrip(.backend(message), bytes: encoded(message)) }
    }

    /// What `pgw decode --full --reveal-secrets`, the proxy's log and the repl print parses back to the bytes it was
    /// printed from, for every message type (golden vectors, synthetic sessions, tricky values), but a
    /// RowDescription's column attributes (table OID, column number, type size and modifier), which its line leaves
    /// out by design.
    @Test func defaultLinesParseBackToTheirBytes() throws {
        let options = RenderOptions(revealSecrets: true, maximumTextValueLength: .max)
        var messages: [WireMessage] =
            FrontendGoldenTests.vectors.map { .frontend($0.message) }
            + BackendGoldenTests.vectors.map {
                .backend($0.message)
            }
        for session in SyntheticSessions.all {
            messages += session.frontend.map(WireMessage.frontend) + session.backend.map(WireMessage.backend)
        }
        messages += Self.trickyFrontend.map(WireMessage.frontend) + Self.trickyBackend.map(WireMessage.backend)
        var types = Set<String>()
        for message in messages {
            if case .backend(.rowDescription) = message { continue }
            types.insert(message.typeName)
            let line = message.rendered(options: options).textLine
            let direction: MessageDirection
            if case .frontend = message { direction = .frontend } else { direction = .backend }
            let parsed = try TextFormParser(direction: direction).parse(line)
            #expect(parsed.bytes == encodedWire(message), "\(line)")
        }
        let every = Set(TextFormParser.typeNames(of: .frontend) + TextFormParser.typeNames(of: .backend))
        #expect(every.subtracting(types).subtracting(["RowDescription"]).isEmpty, "\(every.subtracting(types))")
    }

    /// A FunctionCall whose arguments are not text shows their formats, as a Bind does: pasted, the line sends them
    /// in binary again.
    @Test func functionCallLinesShowTheArgumentFormats() throws {
        let call = FrontendMessage.functionCall(
            FunctionCall(
                functionOID: 177, argumentFormats: [.binary],
                arguments: [ByteBuffer(bytes: [0, 0, 0, 2]), ByteBuffer(bytes: [0, 0, 0, 3])], resultFormat: .binary))
        let line = call.rendered().textLine
        #expect(
            line == #"FunctionCall oid=177 arguments=["\\x00000002", "\\x00000003"] formats=["binary"] result=binary"#)
        #expect(try TextFormParser(direction: .frontend).parse(line).bytes == encoded(call))
        let text = FrontendMessage.functionCall(
            FunctionCall(functionOID: 1598, argumentFormats: [], arguments: [], resultFormat: .text))
        #expect(text.rendered().textLine == "FunctionCall oid=1598 arguments=[] result=text")
    }

    /// An ErrorResponse or NoticeResponse shows every field: severity, code and message as they read, then the
    /// others (DETAIL, HINT, position, WHERE, …) as `name="value"` in wire order; the line parses back to the same
    /// bytes. Fields in another shape, or a message that reads like a field, are all written as `name="value"`.
    @Test func diagnosticLinesShowEveryField() throws {
        let parser = TextFormParser(direction: .backend)
        let duplicate = BackendMessage.errorResponse(
            DiagnosticMessage(fields: [
                .init(.localizedSeverity, "ERROR"), .init(.severity, "ERROR"), .init(.sqlState, "23505"),
                .init(.message, #"duplicate key value violates unique constraint "u_pkey""#),
                .init(.detail, "Key (a)=(1) already exists."), .init(.schemaName, "public"), .init(.tableName, "u"),
                .init(.constraintName, "u_pkey"), .init(.file, "nbtinsert.c"), .init(.line, "664"),
                .init(.routine, "_bt_check_unique"),
            ]))
        let line = duplicate.rendered().textLine
        #expect(
            line == #"ErrorResponse ERROR 23505 duplicate key value violates unique constraint "u_pkey" "#
                + #"detail="Key (a)=(1) already exists." schema="public" table="u" constraint="u_pkey" "#
                + #"file="nbtinsert.c" line="664" routine="_bt_check_unique""#)
        #expect(try parser.parse(line).bytes == encoded(duplicate), "\(line)")
        let notice = BackendMessage.noticeResponse(
            DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "n1", detail: "d1", hint: "h \"1\""))
        #expect(notice.rendered().textLine == #"NoticeResponse NOTICE 00000 n1 detail="d1" hint="h \"1\"""#)
        #expect(try parser.parse(notice.rendered().textLine).bytes == encoded(notice))
        let syntax = BackendMessage.errorResponse(
            DiagnosticMessage(fields: [
                .init(.localizedSeverity, "ERROR"), .init(.severity, "ERROR"), .init(.sqlState, "42601"),
                .init(.message, #"syntax error at or near "=""#), .init(.position, "8"),
                .init(.context, "PL/pgSQL function f() line 3\nat RAISE"),
            ]))
        #expect(
            syntax.rendered().textLine
                == #"ErrorResponse ERROR 42601 syntax error at or near "=" position="8" "#
                + #"where="PL/pgSQL function f() line 3\nat RAISE""#)
        // Shapes the plain form cannot carry: every field by name, exact all the same.
        let odd: [BackendMessage] = [
            .errorResponse(
                DiagnosticMessage(fields: [
                    .init(.localizedSeverity, "FEHLER"), .init(.severity, "ERROR"), .init(.sqlState, "22012"),
                    .init(.message, "Division durch Null"),
                ])),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "P0001", message: #"a hint="no" inside"#)),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "P0001", message: "two\nlines")),
            .noticeResponse(DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "")),
        ]
        for message in odd {
            let line = message.rendered().textLine
            #expect(line.contains(#"severity="#), "\(line)")
            #expect(try parser.parse(line).bytes == encoded(message), "\(line)")
        }
        // A line printed without --full, a field cut: refused, as other cut lines are.
        let long = BackendMessage.noticeResponse(
            DiagnosticMessage(
                severity: "NOTICE", sqlState: "00000", message: "n", detail: String(repeating: "d", count: 300)))
        #expect {
            try parser.parse(long.rendered().textLine)
        } throws: { error in
            (error as? TextFormError)?.reason.hasPrefix("this value was cut short by the printer") == true
        }
        // Typed by hand: a message that reads like a field but is not followed by fields stays the message.
        #expect(
            try parser.parse(#"ErrorResponse ERROR P0001 set x="1" please"#).message
                == .backend(
                    .errorResponse(
                        DiagnosticMessage(severity: "ERROR", sqlState: "P0001", message: #"set x="1" please"#))))
        #expect(
            try parser.parse(#"ErrorResponse ERROR 23505 dup detail="x" hint=3"#).message
                == .backend(
                    .errorResponse(
                        DiagnosticMessage(severity: "ERROR", sqlState: "23505", message: #"dup detail="x" hint=3"#))))
    }

    /// Lossless rendering differs from the default only where the default loses something.
    @Test func defaultRenderingIsUnchanged() {
        let query = FrontendMessage.query(Query(String(repeating: "x", count: 200)))
        #expect(query.rendered().textLine.hasSuffix("\"…(200 bytes)"))
        #expect(!query.rendered(options: .lossless).textLine.contains("…"))
        let error = BackendMessage.errorResponse(
            DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "x y"))
        #expect(error.rendered().textLine == "ErrorResponse ERROR 22012 x y")
        #expect(
            error.rendered(options: .lossless).textLine
                == #"ErrorResponse localizedSeverity="ERROR" severity="ERROR" code="22012" message="x y""#)
    }

    /// DataRow values as `pgw decode` prints them by default parse back to their bytes: text that reads like `\x` hex
    /// (the text `\x41`, a bytea's text output) is written `"\x5cx41"`, not `"\\x41"`, which is the hex of bytes;
    /// backslashes, LATIN1 text and binary values are exact too.
    @Test func defaultDataRowLinesParseBackToTheirBytes() throws {
        let row = BackendMessage.dataRow(
            DataRow(columns: [
                ByteBuffer(string: "\\x41"), ByteBuffer(string: "a\\b\\\\c\\"), ByteBuffer(string: "\\x"),
                ByteBuffer(string: "\\x5cx41"), ByteBuffer(string: "\\X41"),
                ByteBuffer(bytes: [0x63, 0x61, 0x66, 0xE9]),
                ByteBuffer(bytes: [0x41]), ByteBuffer(bytes: [0, 1, 0xFF]), ByteBuffer(string: "tab\there\n"), nil,
                ByteBuffer(),
            ]))
        let line = row.rendered().textLine
        let shown = #"DataRow ["\x5cx41", "a\\b\\\\c\\", "\x5cx", "\\x5cx41", "\\X41", "\\x636166e9", "A", "\\x0001ff""#
        #expect(line.hasPrefix(shown), "\(line)")
        let parsed = try TextFormParser(direction: .backend).parse(line)
        #expect(parsed.message == .backend(row), "\(line)")
        #expect(parsed.bytes == encoded(row), "\(line)")

        // Typed by the session: a binary bytea is its bytes in hex; a binary text and a text-format bytea are text.
        let typedRow = BackendMessage.dataRow(
            DataRow(columns: [ByteBuffer(bytes: [0x41]), ByteBuffer(string: "\\x41"), ByteBuffer(string: "\\x41")]))
        let decoded = DecodedMessage(
            message: .backend(typedRow), offset: 0, bytes: encoded(typedRow),
            valueTypes: [
                ValueType(oid: 17, format: .binary), ValueType(oid: 25, format: .binary),
                ValueType(oid: 17, format: .text),
            ])
        let typedLine = decoded.formatted(as: .text, options: RenderOptions())
        #expect(typedLine == #"B DataRow ["\\x41", "\x5cx41", "\x5cx41"]"#)
        #expect(try TextFormParser(direction: .backend).parse(typedLine).bytes == encoded(typedRow), "\(typedLine)")

        // In a text field, `\x5c` is a backslash.
        #expect(
            try TextFormParser(direction: .frontend).parse(#"Query "a\x5cb""#).message
                == .frontend(.query(Query("a\\b"))))
    }

    /// The default lines `pgw decode` prints parse too, as the message they show.
    @Test func defaultLinesParse() throws {
        let frontend = TextFormParser(direction: .frontend)
        let backend = TextFormParser(direction: .backend)
        let cases: [(TextFormParser, String, WireMessage)] = [
            (
                backend, "ErrorResponse ERROR 22012 division by zero",
                .backend(
                    .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero"))
                )
            ),
            (backend, "B ReadyForQuery T (in transaction)", .backend(.readyForQuery(.inTransaction))),
            (
                backend, "RowDescription [id int4, ?column? text]",
                .backend(
                    .rowDescription(
                        RowDescription(columns: [
                            .init(name: "id", dataTypeOID: 23, dataTypeSize: 4),
                            .init(name: "?column?", dataTypeOID: 25, dataTypeSize: -1),
                        ])))
            ),
            (backend, "SSLResponse N (rejected)", .backend(.sslResponse(accepted: false))),
            (
                frontend, "F Parse name=\"s1\" \"select $1::int\" [int4]",
                .frontend(.parse(Parse(name: "s1", query: "select $1::int", parameterTypes: [23])))
            ),
            (
                frontend,
                "Bind portal=\"\" statement=\"s1\" parameters=[\"42\", NULL] formats=[\"text\"] results=[\"text\"]",
                .frontend(
                    .bind(
                        Bind(
                            statement: "s1", parameterFormats: [.text], parameters: [ByteBuffer(string: "42"), nil],
                            resultFormats: [.text])))
            ),
            (frontend, "execute", .frontend(.execute(Execute()))),
            (frontend, "Describe statement s1", .frontend(.describe(.statement("s1")))),
            (
                frontend, "StartupMessage user=\"alice\"",
                .frontend(.startup(StartupMessage(parameters: [.init("user", "alice")])))
            ),
            (frontend, "CopyData \"1\\tone\\n\"", .frontend(.copyData(CopyData(data: ByteBuffer(string: "1\tone\n"))))),
        ]
        for (parser, line, message) in cases {
            let parsed = try parser.parse(line)
            #expect(parsed.message == message, "\(line)")
            #expect(parsed.bytes == encodedWire(message), "\(line)")
        }
    }

    /// A line `pgw proxy` logged as Unknown sends its bytes again (as `\hex`), by the hex at its end; `length=` (the
    /// length word) and the reason only describe them. A line whose bytes were cut is refused, pointing at `\hex`.
    @Test func unknownLinesSendTheirBytes() throws {
        let parser = TextFormParser(direction: .frontend)
        let line = "07:02:33.745704 #1 F Unknown length=2 (invalid message length 2; it is at least 4) 5100000002"
        let parsed = try parser.parse(line)
        #expect(parsed.message == nil)
        #expect(Array(parsed.bytes.readableBytesView) == [0x51, 0, 0, 0, 2])
        #expect {
            try parser.parse("F Unknown length=3000055 (Query of 3000056 bytes: over the 1 MiB) 51002dc6f773656c…")
        } throws: { error in
            (error as? TextFormError)?.reason.contains("cannot be sent; write them whole with \\hex") == true
        }
        #expect {
            try parser.parse("Unknown")
        } throws: { error in
            (error as? TextFormError)?.reason.contains("\\hex 51 00 00 00 0d") == true
        }
    }

    @Test func deliberatelyWrongMessages() throws {
        let parser = TextFormParser(direction: .frontend)
        let bind = try parser.parse(#"Bind statement="s1" parameters=["1", "2"] count=3"#)
        #expect(
            Array(bind.bytes.readableBytesView) == [
                0x42, 0, 0, 0, 24, 0, 0x73, 0x31, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0x31, 0, 0, 0, 1, 0x32, 0, 0,
            ])
        #expect(bind.alterations == ["parameter count 3 (correct: 2)"])
        let sync = try parser.parse("Sync length=99")
        #expect(Array(sync.bytes.readableBytesView) == [0x53, 0, 0, 0, 99])
        #expect(sync.alterations == ["length word 99 (correct: 4)"])
        let ssl = try parser.parse("SSLRequest length=4")
        #expect(Array(ssl.bytes.readableBytesView) == [0, 0, 0, 4, 0x04, 0xD2, 0x16, 0x2F])
        let raw = try parser.parse(#"\hex 51 00 00 00 0d 73656c65 63 74 20 31 00"#)
        #expect(raw.message == nil)
        #expect(Array(raw.bytes.readableBytesView) == [0x51, 0, 0, 0, 13] + Array("select 1".utf8) + [0])
    }

    /// Lines pasted from `pgw proxy`'s log (time, connection number) and `pgw decode` of a capture (time, `#N`)
    /// parse as the bare line does; a time-like word that is not a whole clock time stays an error.
    @Test func linesPastedFromTheLogs() throws {
        let parser = TextFormParser(direction: .frontend)
        let bare = try parser.parse(#"F Query "select 1""#).bytes
        for pasted in [
            #"07:02:33.745704 1 F Query "select 1""#, #"06:57:27.406203 #12 F Query "select 1""#,
            #"  07:02:33 F Query "select 1""#, #"07:02:33.745704 3 Query "select 1""#,
        ] {
            #expect(try parser.parse(pasted).bytes == bare, "\(pasted)")
        }
        let backend = TextFormParser(direction: .backend)
        #expect(
            try backend.parse("07:02:33.774358 1 B ReadyForQuery I (idle) (28.649 ms)").bytes
                == backend.parse("ReadyForQuery I").bytes)
        #expect(throws: TextFormError.self) { try parser.parse(#"07:02 F Query "select 1""#) }
        #expect(throws: TextFormError.self) { try parser.parse(#"07:02:33.1 x F Query "select 1""#) }
    }

    @Test(arguments: [
        ("Execute maxRows=ten", 16, "expected maxRows: an integer from -2147483648 to 2147483647"),
        ("Qeury \"select 1\"", 0, "unknown message type 'Qeury'; \\help lists them"),
        ("Query \"select 1", 6, "the string is never closed (missing '\"')"),
        ("Bind parameters=[\"1\", ] portal=\"\"", 22, "expected a value"),
        ("Execute portl=\"\"", 8, "Execute has no field 'portl'; \\help Execute lists its fields"),
        ("DataRow [\"1\"]", 0, "DataRow is a backend message; this side sends frontend messages"),
        ("\\hex 51 0", 8, "expected pairs of hex digits, such as 51 00 00 00 0d"),
        ("Parse name=\"s\" \"select $1\" [int44]", 28, "unknown type 'int44': use a built-in type's name or its OID"),
        ("Query", 5, "Query needs the SQL text, such as \"select 1\""),
        ("CopyData 3 bytes \"ab\"", 9, "the count says 3 bytes but the data has 2"),
    ])
    func inputErrorsPointAtTheBadToken(line: String, column: Int, reason: String) {
        #expect {
            try TextFormParser(direction: .frontend).parse(line)
        } throws: { error in
            guard let error = error as? TextFormError else { return false }
            #expect(error.column == column)
            #expect(error.reason == reason)
            #expect(error.description == line + "\n" + String(repeating: " ", count: column) + "^ " + reason)
            return true
        }
    }

    private func expectRoundTrip(
        _ message: WireMessage, bytes: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation
    )
        throws
    {
        let direction: MessageDirection
        switch message {
        case .frontend: direction = .frontend
        case .backend: direction = .backend
        }
        let line = message.rendered(options: .lossless).textLine
        let parsed = try TextFormParser(direction: direction).parse(line)
        #expect(parsed.message == message, "\(line)", sourceLocation: sourceLocation)
        #expect(parsed.bytes == bytes, "\(line)", sourceLocation: sourceLocation)
        let prefixed = try TextFormParser(direction: direction).parse((direction == .frontend ? "F " : "B ") + line)
        #expect(prefixed.bytes == bytes, "prefixed: \(line)", sourceLocation: sourceLocation)
    }

    private func encodedWire(_ message: WireMessage) -> ByteBuffer {
        switch message {
        case .frontend(let frontend): encoded(frontend)
        case .backend(let backend): encoded(backend)
        }
    }
}
