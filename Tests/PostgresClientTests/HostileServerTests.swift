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
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedReply(reply: reply, closes: closes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        return try await #require(throws: PostgresClientError.self) {
            try await PostgresClientConnection.connect(
                ConnectionOptions(
                    "host=127.0.0.1 port=\(port) user=u dbname=d sslmode=\(sslmode) connect_timeout=10",
                    environment: ["HOME": "/nonexistent"]),
                logger: Logger(label: "pgw.client.tests"))
        }
    }

    @Test func bytesAfterTheSSLResponseAreRefused() async throws {
        let error = try await Self.connect(answering: Array("Sgarbage".utf8), sslmode: "require")
        #expect(error.reason == .protocolViolation("received unencrypted data after SSL response"))
    }

    @Test func anUnknownMessageTypeIsAProtocolViolation() async throws {
        let error = try await Self.connect(answering: [UInt8(ascii: "x"), 0, 0, 0, 4])
        guard case .protocolViolation(let message) = error.reason else {
            Issue.record("expected a protocol violation, got \(error)")
            return
        }
        #expect(message.hasPrefix("invalid message from the server:"), "\(message)")
    }

    @Test func anOversizedLengthIsRefusedWithoutWaitingForIt() async throws {
        let error = try await Self.connect(answering: [UInt8(ascii: "R"), 0x7F, 0xFF, 0xFF, 0xFF])
        guard case .protocolViolation = error.reason else {
            Issue.record("expected a protocol violation, got \(error)")
            return
        }
    }

    /// A long message while connecting is refused at its header, not awaited (the server here never sends its body).
    @Test func aLongMessageWhileConnectingIsRefusedAtOnce() async throws {
        let error = try await Self.connect(answering: [UInt8(ascii: "E"), 0, 1, 0, 0], closes: false)
        // Waiting for the body would end in connect_timeout's `.timedOut` instead.
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
