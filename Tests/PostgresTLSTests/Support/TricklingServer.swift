import NIOCore
import NIOPosix

/// A server on 127.0.0.1 that never finishes a TLS handshake but keeps every read short: it answers an
/// `SSLRequest` with `S` (a ClientHello with nothing), then sends the header of a 16 KiB TLS record and zeros,
/// one byte per `interval`, forever; it reports how long each connection stayed open.
struct TricklingServer: Sendable {
    /// The port it listens on.
    let port: Int
    /// How long each connection lasted, from accepting it to its closing, as each closes.
    let connectionDurations: AsyncStream<Duration>
    private let channel: any Channel

    /// Starts listening.
    static func start(interval: TimeAmount) async throws -> TricklingServer {
        let (durations, continuation) = AsyncStream<Duration>.makeStream()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TricklingHandler(interval: interval, durations: continuation))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TricklingServer(port: channel.localAddress!.port!, connectionDurations: durations, channel: channel)
    }

    /// Stops listening.
    func stop() async throws {
        try await channel.close()
    }
}

/// One connection of a ``TricklingServer``.
private final class TricklingHandler: ChannelInboundHandler {
    /// The client's SSLRequest or ClientHello, and anything after it (ignored).
    typealias InboundIn = ByteBuffer
    /// `S`, then one byte at a time.
    typealias OutboundOut = ByteBuffer

    private static let bytes: [UInt8] = [0x16, 0x03, 0x03, 0x40, 0x00]
    private let interval: TimeAmount
    private let durations: AsyncStream<Duration>.Continuation
    private let accepted = ContinuousClock.now
    private var sent = 0
    private var trickle: RepeatedTask?

    /// A handler sending a byte per `interval`, reporting the connection's duration to `durations`.
    init(interval: TimeAmount, durations: AsyncStream<Duration>.Continuation) {
        self.interval = interval
        self.durations = durations
    }

    /// Answers the first read, then starts trickling.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard trickle == nil else { return }
        // An SSLRequest starts with its length's zero byte; a direct ClientHello with 0x16.
        if unwrapInboundIn(data).readableBytesView.first == 0 {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "S")), promise: nil)
        }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        trickle = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let byte = handler.value.sent < Self.bytes.count ? Self.bytes[handler.value.sent] : 0
            handler.value.sent += 1
            channel.writeAndFlush(channel.allocator.buffer(bytes: [byte]), promise: nil)
        }
    }

    /// Stops trickling and reports how long the connection lasted.
    func channelInactive(context: ChannelHandlerContext) {
        trickle?.cancel()
        durations.yield(ContinuousClock.now - accepted)
        context.fireChannelInactive()
    }
}
