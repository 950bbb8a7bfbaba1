import NIOCore
import PostgresWire
import Testing

/// Hand-built conversations covering the startup phase, every authentication flow and the query protocols.
enum SyntheticSessions {
    struct Session: Sendable, CustomTestStringConvertible {
        var name: String
        var frontend: [FrontendMessage]
        var backend: [BackendMessage]
        var testDescription: String { name }

        var frontendBytes: ByteBuffer { Self.concatenate(frontend.map(encoded)) }
        var backendBytes: ByteBuffer { Self.concatenate(backend.map(encoded)) }

        static func concatenate(_ buffers: [ByteBuffer]) -> ByteBuffer {
            var all = ByteBuffer()
            for buffer in buffers { all.writeImmutableBuffer(buffer) }
            return all
        }
    }

    static let startup = FrontendMessage.startup(
        StartupMessage(parameters: [
            .init("user", "alice"), .init("database", "app"), .init("application_name", "psql"),
        ])
    )
    static let serverReady: [BackendMessage] = [
        .authentication(.ok),
        .parameterStatus(ParameterStatus(name: "server_version", value: "18.1")),
        .backendKeyData(BackendKeyData(processID: 99, secretKey: [1, 2, 3, 4])),
        .readyForQuery(.idle),
    ]

    static let all: [Session] = [
        Session(
            name: "SSL refused, md5, simple query",
            frontend: [
                .sslRequest, startup, .password(PasswordMessage(password: "md5" + String(repeating: "a", count: 32))),
                .query(Query("select 1")), .terminate,
            ],
            backend: [.sslResponse(accepted: false), .authentication(.md5Password(salt: [1, 2, 3, 4]))] + serverReady
                + [
                    .rowDescription(
                        RowDescription(columns: [.init(name: "?column?", dataTypeOID: 23, dataTypeSize: 4)])),
                    .dataRow(DataRow(columns: [ByteBuffer(string: "1")])),
                    .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
                ]
        ),
        Session(
            name: "GSSENC and SSL refused, SCRAM, extended query",
            frontend: [
                .gssENCRequest, .sslRequest, startup,
                .saslInitialResponse(
                    SASLInitialResponse(mechanism: "SCRAM-SHA-256", data: ByteBuffer(string: "n,,n=,r=abc"))),
                .saslResponse(SASLResponse(data: ByteBuffer(string: "c=biws,r=abcdef,p=proof"))),
                .parse(Parse(name: "", query: "select $1::int", parameterTypes: [23])),
                .bind(Bind(parameters: [ByteBuffer(string: "42")])), .describe(.portal("")), .execute(Execute()), .sync,
                .terminate,
            ],
            backend: [
                .gssENCResponse(accepted: false), .sslResponse(accepted: false),
                .authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])),
                .authentication(.saslContinue(data: ByteBuffer(string: "r=abcdef,s=c2FsdA==,i=4096"))),
                .authentication(.saslFinal(data: ByteBuffer(string: "v=sig"))),
            ] + serverReady + [
                .parseComplete, .bindComplete,
                .rowDescription(RowDescription(columns: [.init(name: "int4", dataTypeOID: 23, dataTypeSize: 4)])),
                .dataRow(DataRow(columns: [ByteBuffer(string: "42")])),
                .commandComplete(CommandComplete(tag: "SELECT 1")),
                .readyForQuery(.idle),
            ]
        ),
        Session(
            name: "cleartext password, COPY in and out, notices",
            frontend: [
                startup, .password(PasswordMessage(password: "secret")), .query(Query("copy t from stdin")),
                .copyData(CopyData(data: ByteBuffer(string: "1\tone\n"))), .copyDone, .query(Query("copy t to stdout")),
                .query(Query("copy t from stdin")), .copyFail(CopyFail(message: "stop")), .terminate,
            ],
            backend: [.authentication(.cleartextPassword)] + serverReady + [
                .copyInResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
                .commandComplete(CommandComplete(tag: "COPY 1")), .readyForQuery(.idle),
                .copyOutResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
                .copyData(CopyData(data: ByteBuffer(string: "1\tone\n"))), .copyDone,
                .commandComplete(CommandComplete(tag: "COPY 1")), .readyForQuery(.idle),
                .copyInResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
                .noticeResponse(DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "note")),
                .errorResponse(
                    DiagnosticMessage(severity: "ERROR", sqlState: "57014", message: "COPY from stdin failed: stop")),
                .readyForQuery(.idle),
            ]
        ),
        Session(
            name: "protocol 3.2 negotiation, long cancel key, fast path, notification",
            frontend: [
                .startup(
                    StartupMessage(protocolVersion: .v3_2, parameters: [.init("user", "u"), .init("_pq_.test", "on")])),
                .functionCall(
                    FunctionCall(
                        functionOID: 952, argumentFormats: [], arguments: [ByteBuffer(string: "x")],
                        resultFormat: .binary)),
                .query(Query("")), .terminate,
            ],
            backend: [
                .negotiateProtocolVersion(
                    NegotiateProtocolVersion(newestMinorVersion: 2, unrecognizedOptions: ["_pq_.test"])),
                .authentication(.ok),
                .backendKeyData(BackendKeyData(processID: 5, secretKey: Array(repeating: 7, count: 32))),
                .readyForQuery(.idle), .functionCallResponse(FunctionCallResponse(result: nil)), .readyForQuery(.idle),
                .emptyQueryResponse,
                .notificationResponse(NotificationResponse(processID: 3, channel: "jobs", payload: "go")),
                .readyForQuery(.idle),
            ]
        ),
        Session(
            name: "cancel request",
            frontend: [.cancelRequest(CancelRequest(processID: 99, secretKey: [1, 2, 3, 4]))],
            backend: []
        ),
        Session(
            name: "replication stream",
            frontend: [
                .startup(StartupMessage(parameters: [.init("user", "rep"), .init("replication", "database")])),
                .query(Query("START_REPLICATION SLOT s LOGICAL 0/0")),
                .copyData(CopyData(data: ByteBuffer(bytes: [0x72] + Array(repeating: 0, count: 33)))), .copyDone,
                .terminate,
            ],
            backend: serverReady + [
                .copyBothResponse(CopyResponse(format: 0, columnFormats: [])),
                .copyData(
                    CopyData(data: ByteBuffer(bytes: [0x77] + Array(repeating: 1, count: 24) + Array("BEGIN".utf8)))),
                .copyData(CopyData(data: ByteBuffer(bytes: [0x6B] + Array(repeating: 0, count: 17)))), .copyDone,
                .commandComplete(CommandComplete(tag: "START_REPLICATION")), .readyForQuery(.idle),
            ]
        ),
        Session(
            name: "GSSAPI authentication, portal suspended, close",
            frontend: [
                startup, .gssResponse(GSSResponse(data: ByteBuffer(bytes: [0x60, 0x81, 0x00]))),
                .gssResponse(GSSResponse(data: ByteBuffer(bytes: [0x05, 0x04]))),
                .parse(Parse(name: "s", query: "select * from t")), .bind(Bind(portal: "c", statement: "s")),
                .execute(Execute(portal: "c", maxRows: 1)), .flush, .close(.portal("c")), .close(.statement("s")),
                .sync,
                .terminate,
            ],
            backend: [
                .authentication(.gss), .authentication(.gssContinue(data: ByteBuffer(bytes: [0x60, 0x01]))),
            ] + serverReady + [
                .parseComplete, .bindComplete, .dataRow(DataRow(columns: [nil])), .portalSuspended, .closeComplete,
                .closeComplete, .parameterDescription(ParameterDescription(parameterTypes: [])), .noData,
                .readyForQuery(.inTransaction),
            ]
        ),
        Session(
            name: "SSL refused, protocol 0.1234 refused with a pre-3.0 error",
            frontend: [.sslRequest, .startup(StartupMessage(protocolVersion: unsupportedVersion, parameters: []))],
            backend: [
                .sslResponse(accepted: false),
                .errorResponse(.unsupportedProtocolVersion(unsupportedVersion, newest: .v3_0)),
            ]
        ),
    ]

    /// A version PostgreSQL answers in the pre-3.0 format.
    static let unsupportedVersion = ProtocolVersion(major: 0, minor: 1234)
}
