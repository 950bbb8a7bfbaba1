import Logging
import NIOCore
import NIOPosix
import PostgresClient
import PostgresWire
import Testing

/// A server that breaks the protocol gets a clear error, never a crash or a hang.
struct HostileServerTests {
    /// Connects to a server that answers the client's first packet with `reply` and then closes (unless told
    /// otherwise), and returns the client's error.
    static func connect(answering reply: [UInt8], sslmode: String = "disable", closes: Bool = true) async throws
        -> PostgresClientError
    {
        let server = try await listen(answering: reply, closes: closes)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        // A minute: a loaded CI machine once took more than 10 s to deliver the server's close.
        return try await #require(throws: PostgresClientError.self) {
            try await PostgresClientConnection.connect(
                ConnectionOptions(
                    "host=127.0.0.1 port=\(port) user=u dbname=d sslmode=\(sslmode) connect_timeout=60",
                    environment: ["HOME": "/nonexistent"]),
                logger: Logger(label: "pgw.client.tests"))
        }
    }

    /// psql's error and the client's for a server answering the first packet with `reply` and closing.
    static func psqlAndClientErrors(answering reply: [UInt8], sslmode: String) async throws
        -> (psql: String?, client: String)
    {
        let server = try await listen(answering: reply, closes: true)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let conninfo = "host=127.0.0.1 port=\(port) user=u dbname=d sslmode=\(sslmode) connect_timeout=60"
        let psql = try await ClientTestServers.psqlError(conninfo + " gssencmode=disable")
        let client = try await #require(throws: PostgresClientError.self) {
            try await PostgresClientConnection.connect(
                ConnectionOptions(conninfo, environment: ["HOME": "/nonexistent"]),
                logger: Logger(label: "pgw.client.tests"))
        }
        return (psql, "\(client)")
    }

    private static func listen(answering reply: [UInt8], closes: Bool) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedReply(reply: reply, closes: closes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Replies that are not the protocol: the postmaster's pre-3.0 error when it cannot fork, and an HTTP server.
    static let nonProtocolReplies: [(String, String)] = [
        ("Ecould not fork new process for connection: Resource temporarily unavailable\n\0", "prefer"),
        ("Ecould not fork new process for connection: Resource temporarily unavailable\n\0", "disable"),
        ("Ecould not fork new process for connection: Resource temporarily unavailable\n\0", "allow"),
        ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "prefer"),
        ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "disable"),
        ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "require"),
    ]

    /// What psql prints for a reply that is not the protocol, the client prints too.
    @Test(arguments: nonProtocolReplies)
    func nonProtocolRepliesAreReportedAsPsqlReportsThem(reply: String, sslmode: String) async throws {
        let (psql, client) = try await Self.psqlAndClientErrors(answering: Array(reply.utf8), sslmode: sslmode)
        #expect(client == psql)
    }

    @Test func theForkFailureShowsTheServersText() async throws {
        let error = try await Self.connect(
            answering: Array("Ecould not fork new process for connection: Resource temporarily unavailable\n\0".utf8))
        #expect(
            error.reason
                == .legacyServerError("could not fork new process for connection: Resource temporarily unavailable"))
    }

    @Test func bytesAfterTheSSLResponseAreRefused() async throws {
        let error = try await Self.connect(answering: Array("Sgarbage".utf8), sslmode: "require")
        #expect(error.reason == .protocolViolation("received unencrypted data after SSL response"))
    }

    @Test func anUnknownMessageTypeIsAProtocolViolation() async throws {
        let error = try await Self.connect(answering: [UInt8(ascii: "x"), 0, 0, 0, 4])
        #expect(error.reason == .protocolViolation("expected authentication request from server, but received x"))
    }

    @Test func anOversizedLengthIsRefusedWithoutWaitingForIt() async throws {
        let error = try await Self.connect(answering: [UInt8(ascii: "R"), 0x7F, 0xFF, 0xFF, 0xFF], closes: false)
        #expect(error.reason == .protocolViolation("received invalid authentication request"))
    }

    /// An error too long for a 3.0 ErrorResponse while connecting is read as a pre-3.0 error text, up to its NUL,
    /// not awaited as a message (the server here never sends more).
    @Test func aLongErrorWhileConnectingIsReadAsPre30Text() async throws {
        let error = try await Self.connect(answering: Array("E\u{7F}oops\0".utf8), closes: false)
        // Waiting for the body would end in connect_timeout's `.timedOut` instead.
        #expect(error.reason == .legacyServerError("\u{7F}oops"))
    }

    /// A pre-3.0 error without its NUL is awaited only up to libpq's limit.
    @Test func aPre30ErrorWithoutEndIsRefusedAtTheLimit() async throws {
        let error = try await Self.connect(
            answering: [UInt8(ascii: "E")] + Array(repeating: UInt8(ascii: "x"), count: 40_000), closes: false)
        #expect(error.reason == .protocolViolation("received invalid error message"))
    }

    /// After authentication, a long message is refused at its header.
    @Test func aLongMessageAfterAuthenticationIsRefusedAtOnce() async throws {
        var buffer = ByteBuffer()
        BackendMessage.authentication(.ok).encode(into: &buffer)
        buffer.writeBytes([UInt8(ascii: "S"), 0, 1, 0, 0])
        let error = try await Self.connect(answering: Array(buffer: buffer), closes: false)
        #expect(error.reason == .protocolViolation("received a 65536-byte message while connecting (at most 30000)"))
    }

    @Test func closingAtOnceIsReportedAsLibpqDoes() async throws {
        let error = try await Self.connect(answering: [])
        #expect(error.reason == .closed)
        #expect("\(error)".contains("server closed the connection unexpectedly"))
    }

    @Test func scramPlusOverPlaintextIsRefused() async throws {
        var buffer = ByteBuffer()
        BackendMessage.authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS"])).encode(into: &buffer)
        let error = try await Self.connect(answering: Array(buffer: buffer))
        #expect(
            error.reason
                == .authentication("server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection"))
    }
}

/// Answers the first packet it reads with fixed bytes, then closes unless told not to.
private final class ScriptedReply: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reply: [UInt8]
    private let closes: Bool
    private var answered = false

    init(reply: [UInt8], closes: Bool) {
        self.reply = reply
        self.closes = closes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let closes = self.closes
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply))).whenComplete { _ in
            if closes { loopBound.value.close(promise: nil) }
        }
    }
}
