import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Binary values of a known type are rendered as values: golden bytes of each common type against PostgreSQL's
/// text output, the JSON shape, and the types a session's Parse, Describe, Bind and RowDescription give.
struct TypedValueTests {
    /// The text line of a DataRow with one binary column of type `oid` holding `bytes`.
    static func line(_ oid: UInt32, _ bytes: [UInt8], options: RenderOptions = RenderOptions()) -> String {
        message(oid, bytes).formatted(as: .text, options: options)
    }

    static func message(_ oid: UInt32, _ bytes: [UInt8], format: FormatCode = .binary) -> DecodedMessage {
        let row = BackendMessage.dataRow(DataRow(columns: [ByteBuffer(bytes: bytes)]))
        return DecodedMessage(
            message: .backend(row), offset: 0, bytes: encoded(row), valueTypes: [ValueType(oid: oid, format: format)])
    }

    static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    static func float4(_ value: Float) -> [UInt8] { bigEndian(value.bitPattern) }
    static func float8(_ value: Double) -> [UInt8] { bigEndian(value.bitPattern) }

    /// Golden bytes and the value shown for them (PostgreSQL's text output; text quoted, numbers bare).
    static let cases: [(UInt32, [UInt8], String)] = [
        (16, [1], "true"), (16, [0], "false"),
        (21, [0xFF, 0xFE], "-2"), (23, [0, 0, 0, 0x2A], "42"),
        (20, bigEndian(Int64.min), "-9223372036854775808"), (26, [0xFF, 0xFF, 0xFF, 0xFF], "4294967295"),
        (700, float4(1.5), "1.5"), (700, float4(0.1), "0.1"), (700, float4(123_456), "123456"),
        (700, float4(1_234_567), "1.234567e+06"), (700, float4(1e-5), "1e-05"),
        (701, float8(0.1), "0.1"), (701, float8(1e15), "1e+15"), (701, float8(123_456_789_012_345), "123456789012345"),
        (701, float8(0.0001), "0.0001"), (701, float8(1e-5), "1e-05"), (701, float8(-0.0), "-0"),
        (701, float8(1.0 / 3), "0.3333333333333333"), (701, float8(.nan), #""NaN""#),
        (701, float8(-.infinity), #""-Infinity""#),
        // numeric: digit count, weight, sign, scale, base-10000 digits.
        (1700, [0, 3, 0, 1, 0, 0, 0, 3] + [0, 1, 0x09, 0x29, 0x1A, 0x7C], "12345.678"),
        (1700, [0, 1, 0xFF, 0xFF, 0, 0, 0, 3, 0, 10], "0.001"),
        (1700, [0, 1, 0, 0, 0x40, 0, 0, 0, 0, 5], "-5"),
        (1700, [0, 1, 0, 1, 0, 0, 0, 0, 0, 100], "1000000"),
        (1700, [0, 0, 0, 0, 0xC0, 0, 0, 0], #""NaN""#),
        (25, Array("héllo \"x\"".utf8), #""héllo \"x\"""#), (1043, Array("v".utf8), #""v""#),
        (17, [0x41, 0x00], #""\\x4100""#),
        (2950, Array(0..<16).map { UInt8($0 * 17) }, #""00112233-4455-6677-8899-aabbccddeeff""#),
        (3802, [1] + Array(#"{"a": 1}"#.utf8), #""{\"a\": 1}""#), (114, Array("[1]".utf8), #""[1]""#),
        (1082, bigEndian(Int32(0)), #""2000-01-01""#), (1082, bigEndian(Int32(-1)), #""1999-12-31""#),
        (1082, bigEndian(Int32(8825)), #""2024-02-29""#), (1082, bigEndian(Int32.max), #""infinity""#),
        (1114, bigEndian(Int64(0)), #""2000-01-01 00:00:00""#),
        (1114, bigEndian(Int64(1_500_000)), #""2000-01-01 00:00:01.5""#),
        (1114, bigEndian(Int64(-1)), #""1999-12-31 23:59:59.999999""#),
        (1184, bigEndian(Int64(762_525_296_000_000)), #""2024-02-29 12:34:56+00""#),
        (1184, bigEndian(Int64.min), #""-infinity""#),
        (1083, bigEndian(Int64(45_296_789_000)), #""12:34:56.789""#),
        (1266, bigEndian(Int64(43_200_000_000)) + bigEndian(Int32(-7200)), #""12:00:00+02""#),
        (1266, bigEndian(Int64(0)) + bigEndian(Int32(19800)), #""00:00:00-05:30""#),
        (
            1186, bigEndian(Int64(14_706_789_000)) + bigEndian(Int32(3)) + bigEndian(Int32(14)),
            #""1 year 2 mons 3 days 04:05:06.789""#
        ),
        (1186, bigEndian(Int64(7_200_000_000)) + bigEndian(Int32(-1)) + bigEndian(Int32(0)), #""-1 days +02:00:00""#),
        (1186, [UInt8](repeating: 0, count: 16), #""00:00:00""#),
        (1186, bigEndian(Int64(-1_000_000)) + bigEndian(Int32(0)) + bigEndian(Int32(-1)), #""-1 mons -00:00:01""#),
        // int4[]: one dimension of three, lower bound 1, with a NULL.
        (
            1007,
            bigEndian(Int32(1)) + bigEndian(Int32(1)) + bigEndian(UInt32(23)) + bigEndian(Int32(3))
                + bigEndian(Int32(1))
                + bigEndian(Int32(4)) + bigEndian(Int32(1)) + bigEndian(Int32(-1)) + bigEndian(Int32(4))
                + bigEndian(Int32(3)),
            "[1, NULL, 3]"
        ),
        // text[][]: two by one.
        (
            1009,
            bigEndian(Int32(2)) + bigEndian(Int32(0)) + bigEndian(UInt32(25)) + bigEndian(Int32(2))
                + bigEndian(Int32(1))
                + bigEndian(Int32(1)) + bigEndian(Int32(1)) + bigEndian(Int32(1)) + [0x61] + bigEndian(Int32(1)) + [
                    0x62
                ],
            #"[["a"], ["b"]]"#
        ),
    ]

    @Test func commonTypesShowTheirValues() {
        for (oid, bytes, shown) in Self.cases {
            #expect(Self.line(oid, bytes) == "B DataRow [\(shown)]", "type \(PostgresTypeNames.name(forOID: oid))")
        }
    }

    /// A binary value read as PostgreSQL's text output (what `pgw serve` makes of a binary parameter): arrays as
    /// `array_out` writes them, quoting the elements that need it.
    @Test func binaryValuesReadAsPostgreSQLsTextOutput() {
        func text(_ oid: UInt32, _ bytes: [UInt8]) -> String? {
            TypedValue(binary: ByteBuffer(bytes: bytes), oid: oid)?.value.postgresText
        }
        #expect(text(16, [1]) == "t" && text(23, Self.bigEndian(Int32(-7))) == "-7")
        #expect(text(2950, [UInt8](repeating: 0, count: 15) + [1]) == "00000000-0000-0000-0000-000000000001")
        #expect(text(1082, Self.bigEndian(Int32(8825))) == "2024-02-29")
        let textArray =
            Self.bigEndian(Int32(1)) + Self.bigEndian(Int32(1)) + Self.bigEndian(UInt32(25))
            + Self.bigEndian(Int32(4)) + Self.bigEndian(Int32(1))
            + Self.bigEndian(Int32(3)) + Array("a b".utf8) + Self.bigEndian(Int32(-1))
            + Self.bigEndian(Int32(4)) + Array("NULL".utf8) + Self.bigEndian(Int32(2)) + Array(#"\""#.utf8)
        #expect(text(1009, textArray) == #"{"a b",NULL,"NULL","\\\""}"#)
        #expect(text(23, [0, 1]) == nil, "bytes that do not fit the type")
        #expect(text(869, [2, 32, 0, 4, 127, 0, 0, 1]) == nil, "a type not decoded")
    }

    @Test func bytesThatDoNotFitTheTypeAreShownRaw() {
        #expect(Self.line(23, [0, 0, 1]) == #"B DataRow ["\\x000001"]"#)
        #expect(Self.line(16, [2]) == #"B DataRow ["\\x02"]"#)
        #expect(Self.line(3802, [2, 0x7B]) == #"B DataRow ["\\x027b"]"#)
        // An array claiming more elements than its bytes can hold.
        let huge =
            Self.bigEndian(Int32(1)) + Self.bigEndian(Int32(0)) + Self.bigEndian(UInt32(23))
            + Self.bigEndian(Int32.max) + [0, 0, 0, 1]
        #expect(Self.line(1007, huge).hasPrefix(#"B DataRow ["\\x"#))
        // Unknown types and text-format values are unchanged.
        #expect(Self.line(869, [2, 32, 0, 4, 127, 0, 0, 1]) == #"B DataRow ["\\x022000047f000001"]"#)
        #expect(Self.message(23, Array("42".utf8), format: .text).formatted(as: .text) == #"B DataRow ["42"]"#)
    }

    @Test func hostileBytesOfEveryTypeNeitherCrashNorHang() {
        var generator = SeededRandomNumberGenerator(seed: 0x7E5)
        let oids: [UInt32] = Self.cases.map(\.0) + [1000, 1005, 1016, 1021, 1022, 1231, 1009, 1182, 1185, 2951, 3807]
        for oid in Set(oids) {
            for length in [0, 1, 2, 3, 4, 8, 12, 16, 20, 24, 40, 64] {
                for _ in 0..<50 {
                    let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    let line = Self.line(oid, bytes)
                    #expect(line.hasPrefix("B DataRow ["), "type \(oid), bytes \(bytes)")
                }
            }
        }
        // An array header claiming six dimensions of 2^31 - 1 elements is shown raw at once.
        var header = Self.bigEndian(Int32(6)) + Self.bigEndian(Int32(0)) + Self.bigEndian(UInt32(23))
        for _ in 0..<6 { header += Self.bigEndian(Int32.max) + Self.bigEndian(Int32(1)) }
        #expect(Self.line(1007, header).hasPrefix(#"B DataRow ["\\x"#))
        // A numeric with the largest weight and scale has its 131,000 digits, not a crash.
        let wide =
            Self.bigEndian(Int16(1)) + Self.bigEndian(Int16.max) + [0, 0] + Self.bigEndian(Int16(0x3FFF)) + [0, 1]
        #expect(Self.line(1700, wide).count > 131_000)
    }

    @Test func losslessLinesKeepTheRawBytes() {
        #expect(Self.line(23, [0, 0, 0, 0x2A], options: .lossless) == #"B DataRow ["\\x0000002a"]"#)
    }

    @Test func jsonKeepsTheBytesAndAddsTypeAndValue() {
        #expect(
            Self.message(23, [0, 0, 0, 0x2A]).formatted(as: .json).hasSuffix(
                #""columns":[{"hex":"0000002a","type":"int4","value":42}]}"#))
        #expect(
            Self.message(25, Array("hi".utf8)).formatted(as: .json).hasSuffix(
                #""columns":[{"text":"hi","type":"text","value":"hi"}]}"#))
        #expect(
            Self.message(701, Self.float8(.infinity)).formatted(as: .json).hasSuffix(
                #""type":"float8","value":"Infinity"}]}"#))
        #expect(
            Self.message(1007, Self.cases.first { $0.0 == 1007 }!.1).formatted(as: .json).hasSuffix(
                #""type":"_int4","value":[1,null,3]}]}"#))
        #expect(Self.message(16, [1]).message.rendered().jsonLine(offset: 0, length: 0).hasSuffix(#"[{"hex":"01"}]}"#))
    }

    /// asyncpg's way: Parse with unspecified types, Describe the statement (ParameterDescription and RowDescription
    /// tell the types), then Bind with binary parameters and results, without a RowDescription before the rows.
    static let describedStatement = SyntheticSessions.Session(
        name: "described statement, binary Bind and rows",
        frontend: [
            SyntheticSessions.startup,
            .parse(Parse(name: "s1", query: "select $1::int4 + 1, $2::text", parameterTypes: [0, 0])),
            .describe(.statement("s1")), .sync,
            .bind(
                Bind(
                    statement: "s1", parameterFormats: [.binary],
                    parameters: [ByteBuffer(bytes: [0, 0, 0, 41]), ByteBuffer(string: "hello")],
                    resultFormats: [.binary])),
            .execute(Execute()), .sync,
            .bind(Bind(statement: "s1", parameters: [ByteBuffer(string: "1"), nil])),
            .execute(Execute()), .sync, .terminate,
        ],
        backend: SyntheticSessions.serverReady + [
            .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [23, 25])),
            .rowDescription(
                RowDescription(columns: [.init(name: "a", dataTypeOID: 23), .init(name: "b", dataTypeOID: 25)])),
            .readyForQuery(.idle),
            .bindComplete,
            .dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 0, 0, 42]), ByteBuffer(string: "hello")])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            .bindComplete, .dataRow(DataRow(columns: [ByteBuffer(string: "2"), nil])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
        ])

    /// The session's text lines, decoded as `pgw decode` does: each side's messages in turn (a reply after its
    /// request), or, with `clientAhead`, every client message before the first reply (a pipeline, live traffic).
    static func lines(_ session: SyntheticSessions.Session, clientAhead: Bool = false) -> [String] {
        let events =
            clientAhead
            ? SessionDecoderTests.decode(session)
            : {
                var decoder = SessionDecoder(waitsForTurn: true)
                decoder.append(session.frontendBytes, from: .frontend)
                decoder.append(session.backendBytes, from: .backend)
                decoder.finish()
                var events: [SessionDecoder.Event] = []
                while let event = decoder.nextEvent() { events.append(event) }
                return events
            }()
        return events.compactMap { event -> String? in
            guard case .message(let message) = event else { return nil }
            return message.formatted(as: .text)
        }
    }

    @Test func aSessionsStatementsTypeItsValues() {
        let lines = Self.lines(Self.describedStatement)
        #expect(
            lines.contains(
                #"F Bind portal="" statement="s1" parameters=[41, "hello"] formats=["binary"] results=["binary"]"#))
        #expect(lines.contains(#"B DataRow [42, "hello"]"#))
        #expect(lines.contains(#"F Bind portal="" statement="s1" parameters=["1", NULL]"#))
        #expect(lines.contains(#"B DataRow ["2", NULL]"#))
    }

    @Test func anErrorSkipsToSyncAndTheNextRowsAreStillTyped() {
        var session = Self.describedStatement
        // The first Execute fails: the server skips to Sync; the rows of the next cycle keep their types.
        session.frontend.insert(
            contentsOf: [.bind(Bind(statement: "s1", resultFormats: [.binary])), .execute(Execute()), .sync], at: 4)
        session.backend.insert(
            contentsOf: [
                .bindComplete,
                .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero")),
                .readyForQuery(.idle),
            ], at: 8)
        #expect(Self.lines(session).contains(#"B DataRow [42, "hello"]"#))
    }

    @Test func rowsAreTypedWhenTheClientIsDecodedAhead() {
        let lines = Self.lines(Self.describedStatement, clientAhead: true)
        // The Bind came before the server described the statement: its parameters are not typed, the rows are.
        #expect(lines.contains(#"B DataRow [42, "hello"]"#), "\(lines)")
        #expect(lines.contains(#"B DataRow ["2", NULL]"#))
    }
}
