import NIOCore
import PostgresWire
import Testing

/// Golden vectors for every frontend message, written from the protocol documentation.
struct FrontendGoldenTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var message: FrontendMessage
        var bytes: ByteBuffer
        var phase: FrontendMessageDecoder.Phase = .messages
        var after: Authentication? = nil
        var testDescription: String { message.typeName }
    }

    static let vectors: [Vector] = [
        Vector(
            message: .bind(
                Bind(
                    portal: "p1",
                    statement: "s1",
                    parameterFormats: [.binary],
                    parameters: [ByteBuffer(bytes: [0, 0, 0, 42]), nil],
                    resultFormats: [.text, .binary]
                )
            ),
            bytes: wire(
                .char("B"), .int32(34), .cstring("p1"), .cstring("s1"), .int16(1), .int16(1), .int16(2), .int32(4),
                .raw([0, 0, 0, 42]), .int32(-1), .int16(2), .int16(0), .int16(1)
            )
        ),
        Vector(
            message: .cancelRequest(CancelRequest(processID: 1234, secretKey: [1, 2, 3, 4])),
            bytes: wire(.int32(16), .int32(80_877_102), .int32(1234), .raw([1, 2, 3, 4])),
            phase: .startup
        ),
        Vector(
            message: .cancelRequest(CancelRequest(processID: 7, secretKey: Array(0..<32))),
            bytes: wire(.int32(44), .int32(80_877_102), .int32(7), .raw(Array(0..<32))),
            phase: .startup
        ),
        Vector(message: .close(.statement("s1")), bytes: wire(.char("C"), .int32(8), .char("S"), .cstring("s1"))),
        Vector(message: .close(.portal("")), bytes: wire(.char("C"), .int32(6), .char("P"), .cstring(""))),
        Vector(
            message: .copyData(CopyData(data: ByteBuffer(string: "1\tone\n"))),
            bytes: wire(.char("d"), .int32(10), .text("1\tone\n"))
        ),
        Vector(message: .copyDone, bytes: wire(.char("c"), .int32(4))),
        Vector(
            message: .copyFail(CopyFail(message: "aborted")), bytes: wire(.char("f"), .int32(12), .cstring("aborted"))),
        Vector(message: .describe(.portal("")), bytes: wire(.char("D"), .int32(6), .char("P"), .cstring(""))),
        Vector(message: .describe(.statement("st")), bytes: wire(.char("D"), .int32(8), .char("S"), .cstring("st"))),
        Vector(
            message: .execute(Execute(portal: "", maxRows: 0)),
            bytes: wire(.char("E"), .int32(9), .cstring(""), .int32(0))),
        Vector(message: .flush, bytes: wire(.char("H"), .int32(4))),
        Vector(
            message: .functionCall(
                FunctionCall(
                    functionOID: 954, argumentFormats: [.binary], arguments: [ByteBuffer(bytes: [0, 0, 0, 1])],
                    resultFormat: .binary)
            ),
            bytes: wire(
                .char("F"), .int32(24), .int32(954), .int16(1), .int16(1), .int16(1), .int32(4), .raw([0, 0, 0, 1]),
                .int16(1))
        ),
        Vector(message: .gssENCRequest, bytes: wire(.int32(8), .int32(80_877_104)), phase: .startup),
        Vector(
            message: .gssResponse(GSSResponse(data: ByteBuffer(bytes: [0x60, 0x82, 0x01]))),
            bytes: wire(.char("p"), .int32(7), .raw([0x60, 0x82, 0x01])),
            after: .gss
        ),
        Vector(
            message: .parse(Parse(name: "s1", query: "select $1", parameterTypes: [23])),
            bytes: wire(.char("P"), .int32(23), .cstring("s1"), .cstring("select $1"), .int16(1), .int32(23))
        ),
        Vector(
            message: .password(PasswordMessage(password: "md5a3556571e93b0d20722ba62be61e8c2d")),
            bytes: wire(.char("p"), .int32(40), .cstring("md5a3556571e93b0d20722ba62be61e8c2d")),
            after: .md5Password(salt: [1, 2, 3, 4])
        ),
        Vector(
            message: .password(PasswordMessage(password: "secret")),
            bytes: wire(.char("p"), .int32(11), .cstring("secret")),
            after: .cleartextPassword
        ),
        Vector(message: .query(Query("select 1")), bytes: wire(.char("Q"), .int32(13), .cstring("select 1"))),
        Vector(
            message: .saslInitialResponse(
                SASLInitialResponse(
                    mechanism: "SCRAM-SHA-256", data: ByteBuffer(string: "n,,n=,r=rOprNGfwEbeRWgbNEkqO"))
            ),
            bytes: wire(
                .char("p"), .int32(50), .cstring("SCRAM-SHA-256"), .int32(28), .text("n,,n=,r=rOprNGfwEbeRWgbNEkqO")
            ),
            after: .sasl(mechanisms: ["SCRAM-SHA-256"])
        ),
        Vector(
            message: .saslInitialResponse(SASLInitialResponse(mechanism: "SCRAM-SHA-256", data: nil)),
            bytes: wire(.char("p"), .int32(22), .cstring("SCRAM-SHA-256"), .int32(-1)),
            after: .sasl(mechanisms: ["SCRAM-SHA-256"])
        ),
        Vector(
            message: .saslResponse(SASLResponse(data: ByteBuffer(string: "c=biws,r=abc,p=xyz"))),
            bytes: wire(.char("p"), .int32(22), .text("c=biws,r=abc,p=xyz")),
            after: .saslContinue(data: ByteBuffer(string: "r=abc,s=c2FsdA==,i=4096"))
        ),
        Vector(message: .sslRequest, bytes: wire(.int32(8), .int32(80_877_103)), phase: .startup),
        Vector(
            message: .startup(StartupMessage(parameters: [.init("user", "alice"), .init("database", "db")])),
            bytes: wire(
                .int32(32), .int32(196_608), .cstring("user"), .cstring("alice"), .cstring("database"), .cstring("db"),
                .raw([0])),
            phase: .startup
        ),
        Vector(
            message: .startup(
                StartupMessage(protocolVersion: .v3_2, parameters: [.init("user", "u"), .init("_pq_.x", "1")])),
            bytes: wire(
                .int32(25), .int32(196_610), .cstring("user"), .cstring("u"), .cstring("_pq_.x"), .cstring("1"),
                .raw([0])),
            phase: .startup
        ),
        Vector(
            message: .startup(
                StartupMessage(
                    protocolVersion: ProtocolVersion(major: 0, minor: 1234), parameters: [.init("user", "u")])),
            bytes: wire(.int32(16), .int32(1234), .cstring("user"), .cstring("u"), .raw([0])),
            phase: .startup
        ),
        Vector(
            // Protocol 2.0's fixed-width fields (database, user, options, unused, tty) are not name/value pairs.
            message: .startup(
                StartupMessage(
                    protocolVersion: ProtocolVersion(major: 2, minor: 0), parameters: [],
                    unparsedBody: wire(.cstring("db"), .raw([0, 0]), .cstring("alice")))),
            bytes: wire(.int32(19), .int32(0x0002_0000), .cstring("db"), .raw([0, 0]), .cstring("alice")),
            phase: .startup
        ),
        Vector(message: .sync, bytes: wire(.char("S"), .int32(4))),
        Vector(message: .terminate, bytes: wire(.char("X"), .int32(4))),
    ]

    @Test(arguments: vectors)
    func decodesGoldenBytes(_ vector: Vector) throws {
        #expect(try decodeOneFrontend(vector.bytes, phase: vector.phase, after: vector.after) == vector.message)
    }

    @Test(arguments: vectors)
    func encodesGoldenBytes(_ vector: Vector) {
        #expect(encoded(vector.message) == vector.bytes)
    }

    @Test func everyFrontendMessageTypeHasAVector() {
        let names = Set(Self.vectors.map(\.message.typeName))
        let documented: Set = [
            "Bind", "CancelRequest", "Close", "CopyData", "CopyDone", "CopyFail", "Describe", "Execute", "Flush",
            "FunctionCall", "GSSENCRequest", "GSSResponse", "Parse", "PasswordMessage", "Query", "SASLInitialResponse",
            "SASLResponse", "SSLRequest", "StartupMessage", "Sync", "Terminate",
        ]
        #expect(names == documented)
    }
}
