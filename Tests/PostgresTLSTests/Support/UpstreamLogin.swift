import NIOCore
import NIOPosix
import PostgresTLS
import PostgresTestSupport

/// The proxy's upstream leg in miniature: sends `SSLRequest`, adds a client `TLSHandler` on `S`, sends a
/// StartupMessage once the handshake completes and reports the handshake and the first message type.
final class UpstreamLogin: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the login went.
    struct Outcome: Sendable {
        var handshake: TLSConnectionInfo
        /// The first backend message's type: `R` for an authentication request, `E` for an error.
        var firstMessageType: Character
    }

    private let makeTLSHandler: () throws -> TLSHandler
    private let user: String
    private let promise: EventLoopPromise<Outcome>
    private var handshake: TLSConnectionInfo?

    private init(makeTLSHandler: @escaping () throws -> TLSHandler, user: String, promise: EventLoopPromise<Outcome>) {
        self.makeTLSHandler = makeTLSHandler
        self.user = user
        self.promise = promise
    }

    /// Connects to `port` on 127.0.0.1 and logs in as `user` over TLS.
    static func run(port: Int, user: String, makeTLSHandler: @escaping @Sendable () throws -> TLSHandler) async throws
        -> Outcome
    {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamLogin(makeTLSHandler: makeTLSHandler, user: user, promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    func channelActive(context: ChannelHandlerContext) {
        var request = ByteBuffer()
        request.writeInteger(Int32(8))
        request.writeInteger(Int32(80_877_103))
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard handshake != nil else {
            guard bytes.readString(length: 1) == "S" else {
                return promise.fail(TestSupportError.unexpected("the server declined TLS"))
            }
            do {
                try context.pipeline.syncOperations.addHandler(makeTLSHandler(), position: .before(self))
            } catch {
                promise.fail(error)
            }
            return
        }
        if let type = bytes.readInteger(as: UInt8.self) {
            promise.succeed(Outcome(handshake: handshake!, firstMessageType: Character(UnicodeScalar(type))))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let completed = event as? TLSHandshakeCompleted else { return }
        handshake = completed.info
        var startup = ByteBuffer()
        startup.writeInteger(Int32(0))
        startup.writeInteger(Int32(196_608))
        startup.writeString("user\0\(user)\0database\0postgres\0\0")
        startup.setInteger(Int32(startup.readableBytes), at: 0)
        context.writeAndFlush(wrapOutboundOut(startup), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TestSupportError.unexpected("the connection closed before the server answered"))
    }
}
