import NIOCore
import PostgresTLS

/// The last handler of an embedded test pipeline: keeps the plaintext, events and errors that reach it.
final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received = ByteBuffer()
    private(set) var handshake: TLSConnectionInfo?
    private(set) var errors: [any Error] = []
    private(set) var inputClosed = false
    private(set) var inactive = false

    /// The errors that are ``TLSError``s.
    var tlsErrors: [TLSError] { errors.compactMap { $0 as? TLSError } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.writeBuffer(&buffer)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let completed as TLSHandshakeCompleted: handshake = completed.info
        case ChannelEvent.inputClosed: inputClosed = true
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
    }
}
