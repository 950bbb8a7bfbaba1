import NIOCore
import PostgresWire
import Testing

/// Golden vectors for every backend message, written from the protocol documentation.
struct BackendGoldenTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var message: BackendMessage
        var bytes: ByteBuffer
        var after: FrontendMessage = .startup(StartupMessage(parameters: []))
        var testDescription: String { message.typeName }
    }

    static let vectors: [Vector] = [
        Vector(message: .authentication(.ok), bytes: wire(.char("R"), .int32(8), .int32(0))),
        Vector(message: .authentication(.kerberosV5), bytes: wire(.char("R"), .int32(8), .int32(2))),
        Vector(message: .authentication(.cleartextPassword), bytes: wire(.char("R"), .int32(8), .int32(3))),
        Vector(
            message: .authentication(.md5Password(salt: [0xDE, 0xAD, 0xBE, 0xEF])),
            bytes: wire(.char("R"), .int32(12), .int32(5), .raw([0xDE, 0xAD, 0xBE, 0xEF]))
        ),
        Vector(message: .authentication(.gss), bytes: wire(.char("R"), .int32(8), .int32(7))),
        Vector(
            message: .authentication(.gssContinue(data: ByteBuffer(bytes: [1, 2, 3]))),
            bytes: wire(.char("R"), .int32(11), .int32(8), .raw([1, 2, 3]))
        ),
        Vector(message: .authentication(.sspi), bytes: wire(.char("R"), .int32(8), .int32(9))),
        Vector(
            message: .authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])),
            bytes: wire(
                .char("R"), .int32(42), .int32(10), .cstring("SCRAM-SHA-256-PLUS"), .cstring("SCRAM-SHA-256"), .raw([0])
            )
        ),
        Vector(
            message: .authentication(.saslContinue(data: ByteBuffer(string: "r=abc,s=c2FsdA==,i=4096"))),
            bytes: wire(.char("R"), .int32(31), .int32(11), .text("r=abc,s=c2FsdA==,i=4096"))
        ),
        Vector(
            message: .authentication(.saslFinal(data: ByteBuffer(string: "v=c2lnbmF0dXJl"))),
            bytes: wire(.char("R"), .int32(22), .int32(12), .text("v=c2lnbmF0dXJl"))
        ),
        Vector(
            message: .backendKeyData(BackendKeyData(processID: 4242, secretKey: [9, 8, 7, 6])),
            bytes: wire(.char("K"), .int32(12), .int32(4242), .raw([9, 8, 7, 6]))
        ),
        Vector(
            message: .backendKeyData(BackendKeyData(processID: 1, secretKey: Array(repeating: 0xAB, count: 32))),
            bytes: wire(.char("K"), .int32(40), .int32(1), .raw(Array(repeating: 0xAB, count: 32)))
        ),
        Vector(message: .bindComplete, bytes: wire(.char("2"), .int32(4))),
        Vector(message: .closeComplete, bytes: wire(.char("3"), .int32(4))),
        Vector(
            message: .commandComplete(CommandComplete(tag: "SELECT 1")),
            bytes: wire(.char("C"), .int32(13), .cstring("SELECT 1"))),
        Vector(
            message: .copyData(CopyData(data: ByteBuffer(bytes: [0x77, 0, 1]))),
            bytes: wire(.char("d"), .int32(7), .raw([0x77, 0, 1]))),
        Vector(message: .copyDone, bytes: wire(.char("c"), .int32(4))),
        Vector(
            message: .copyInResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
            bytes: wire(.char("G"), .int32(11), .int8(0), .int16(2), .int16(0), .int16(0))
        ),
        Vector(
            message: .copyOutResponse(CopyResponse(format: 1, columnFormats: [.binary])),
            bytes: wire(.char("H"), .int32(9), .int8(1), .int16(1), .int16(1))
        ),
        Vector(
            message: .copyBothResponse(CopyResponse(format: 0, columnFormats: [])),
            bytes: wire(.char("W"), .int32(7), .int8(0), .int16(0))
        ),
        Vector(
            message: .dataRow(DataRow(columns: [ByteBuffer(string: "42"), nil, ByteBuffer()])),
            bytes: wire(.char("D"), .int32(20), .int16(3), .int32(2), .text("42"), .int32(-1), .int32(0))
        ),
        Vector(message: .emptyQueryResponse, bytes: wire(.char("I"), .int32(4))),
        Vector(
            message: .errorResponse(
                DiagnosticMessage(severity: "ERROR", sqlState: "42P01", message: "relation \"t\" does not exist")),
            bytes: wire(
                .char("E"), .int32(55), .char("S"), .cstring("ERROR"), .char("V"), .cstring("ERROR"), .char("C"),
                .cstring("42P01"),
                .char("M"), .cstring("relation \"t\" does not exist"), .raw([0])
            )
        ),
        Vector(
            message: .errorResponse(
                .unsupportedProtocolVersion(ProtocolVersion(major: 0, minor: 1234), newest: .v3_0)),
            // PostgreSQL 15's answer to a StartupMessage for version 0.1234, byte for byte: no length word.
            bytes: wire(
                .char("E"), .cstring("FATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.0\n")),
            after: .startup(StartupMessage(protocolVersion: ProtocolVersion(major: 0, minor: 1234), parameters: []))
        ),
        Vector(
            message: .functionCallResponse(FunctionCallResponse(result: ByteBuffer(bytes: [0, 0, 0, 0]))),
            bytes: wire(.char("V"), .int32(12), .int32(4), .raw([0, 0, 0, 0]))
        ),
        Vector(
            message: .functionCallResponse(FunctionCallResponse(result: nil)),
            bytes: wire(.char("V"), .int32(8), .int32(-1))),
        Vector(
            message: .negotiateProtocolVersion(
                NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: ["_pq_.x"])),
            bytes: wire(.char("v"), .int32(19), .int32(0), .int32(1), .cstring("_pq_.x"))
        ),
        Vector(message: .noData, bytes: wire(.char("n"), .int32(4))),
        Vector(
            message: .noticeResponse(
                DiagnosticMessage(fields: [.init(.localizedSeverity, "NOTICE"), .init(.message, "hi")])),
            bytes: wire(.char("N"), .int32(17), .char("S"), .cstring("NOTICE"), .char("M"), .cstring("hi"), .raw([0]))
        ),
        Vector(
            message: .notificationResponse(NotificationResponse(processID: 77, channel: "c", payload: "p")),
            bytes: wire(.char("A"), .int32(12), .int32(77), .cstring("c"), .cstring("p"))
        ),
        Vector(
            message: .parameterDescription(ParameterDescription(parameterTypes: [23, 25])),
            bytes: wire(.char("t"), .int32(14), .int16(2), .int32(23), .int32(25))
        ),
        Vector(
            message: .parameterStatus(ParameterStatus(name: "server_version", value: "18.0")),
            bytes: wire(.char("S"), .int32(24), .cstring("server_version"), .cstring("18.0"))
        ),
        Vector(message: .parseComplete, bytes: wire(.char("1"), .int32(4))),
        Vector(message: .portalSuspended, bytes: wire(.char("s"), .int32(4))),
        Vector(message: .readyForQuery(.idle), bytes: wire(.char("Z"), .int32(5), .char("I"))),
        Vector(message: .readyForQuery(.inTransaction), bytes: wire(.char("Z"), .int32(5), .char("T"))),
        Vector(message: .readyForQuery(.failed), bytes: wire(.char("Z"), .int32(5), .char("E"))),
        Vector(
            message: .rowDescription(
                RowDescription(columns: [
                    .init(name: "id", tableOID: 16384, columnAttributeNumber: 1, dataTypeOID: 23, dataTypeSize: 4),
                    .init(name: "name", dataTypeOID: 25),
                ])
            ),
            bytes: wire(
                .char("T"), .int32(50), .int16(2),
                .cstring("id"), .int32(16384), .int16(1), .int32(23), .int16(4), .int32(-1), .int16(0),
                .cstring("name"), .int32(0), .int16(0), .int32(25), .int16(-1), .int32(-1), .int16(0)
            )
        ),
        Vector(message: .sslResponse(accepted: true), bytes: wire(.char("S")), after: .sslRequest),
        Vector(message: .sslResponse(accepted: false), bytes: wire(.char("N")), after: .sslRequest),
        Vector(message: .gssENCResponse(accepted: true), bytes: wire(.char("G")), after: .gssENCRequest),
        Vector(message: .gssENCResponse(accepted: false), bytes: wire(.char("N")), after: .gssENCRequest),
    ]

    @Test(arguments: vectors)
    func decodesGoldenBytes(_ vector: Vector) throws {
        #expect(try decodeOneBackend(vector.bytes, after: vector.after) == vector.message)
    }

    @Test(arguments: vectors)
    func encodesGoldenBytes(_ vector: Vector) {
        #expect(encoded(vector.message) == vector.bytes)
    }

    @Test func everyBackendMessageTypeHasAVector() {
        let names = Set(Self.vectors.map(\.message.typeName))
        let documented: Set = [
            "AuthenticationOk", "AuthenticationKerberosV5", "AuthenticationCleartextPassword",
            "AuthenticationMD5Password",
            "AuthenticationGSS", "AuthenticationGSSContinue", "AuthenticationSSPI", "AuthenticationSASL",
            "AuthenticationSASLContinue", "AuthenticationSASLFinal", "BackendKeyData", "BindComplete", "CloseComplete",
            "CommandComplete", "CopyData", "CopyDone", "CopyInResponse", "CopyOutResponse", "CopyBothResponse",
            "DataRow",
            "EmptyQueryResponse", "ErrorResponse", "FunctionCallResponse", "NegotiateProtocolVersion", "NoData",
            "NoticeResponse", "NotificationResponse", "ParameterDescription", "ParameterStatus", "ParseComplete",
            "PortalSuspended", "ReadyForQuery", "RowDescription", "SSLResponse", "GSSENCResponse",
        ]
        #expect(names == documented)
    }
}
