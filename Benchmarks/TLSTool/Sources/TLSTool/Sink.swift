import NIOCore

/// Counts the plaintext a server receives and completes `done` once `target` bytes have arrived.
final class Sink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let target: Int
    private let done: EventLoopPromise<Void>
    private var received = 0

    init(target: Int, done: EventLoopPromise<Void>) {
        self.target = target
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        if received >= target {
            done.succeed()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
    }
}
