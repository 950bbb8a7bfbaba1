import NIOCore

/// One half of a pair of handlers that forward everything one channel reads to the other channel, with
/// backpressure: a side reads only while its partner's channel is writable. Both channels must share an event loop.
final class ChannelGlue: ChannelDuplexHandler, RemovableChannelHandler {
    /// Anything this channel reads; it is written to the partner's channel unchanged.
    typealias InboundIn = NIOAny
    /// Anything written to this channel, the partner's reads included.
    typealias OutboundIn = NIOAny
    /// The same, passed on unchanged.
    typealias OutboundOut = NIOAny

    private var partner: ChannelGlue?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    private init() {}

    /// Two handlers glued to each other, one for each channel.
    static func matchedPair() -> (ChannelGlue, ChannelGlue) {
        let first = ChannelGlue()
        let second = ChannelGlue()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            partner?.context?.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.context?.close(promise: nil)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead {
            partner.pendingRead = false
            partner.context?.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable == true {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
