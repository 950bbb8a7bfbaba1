import NIOCore
import PostgresTLS

/// Once the handshake completes, writes `total` bytes in 1 MiB buffers as fast as the channel stays writable.
final class Source: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let chunk = ByteBuffer(repeating: 0x5A, count: 1 << 20)
    private var remaining: Int
    private var started = false

    init(total: Int) {
        remaining = total
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted {
            started = true
            pump(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if started { pump(context: context) }
    }

    private func pump(context: ChannelHandlerContext) {
        while remaining > 0, context.channel.isWritable {
            let count = min(remaining, chunk.readableBytes)
            remaining -= count
            context.write(wrapOutboundOut(chunk.getSlice(at: chunk.readerIndex, length: count)!), promise: nil)
        }
        context.flush()
    }
}
