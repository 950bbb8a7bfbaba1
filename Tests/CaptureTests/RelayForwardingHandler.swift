import NIOCore
import PostgresWire

/// One half of a relayed connection: forwards what its channel reads to the partner channel,
/// records it, and propagates backpressure, half-closes and closes between the two channels.
///
/// Both handlers of a pair must live on the same event loop.
final class RelayForwardingHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The direction of the bytes this handler's channel reads.
    private let direction: MessageDirection
    private let connection: Int
    private let store: RelayCaptureStore
    private var partner: RelayForwardingHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    private init(direction: MessageDirection, connection: Int, store: RelayCaptureStore) {
        self.direction = direction
        self.connection = connection
        self.store = store
    }

    /// A linked pair: the first goes on the client's channel, the second on the server's.
    static func matchedPair(
        connection: Int,
        store: RelayCaptureStore
    ) -> (client: RelayForwardingHandler, server: RelayForwardingHandler) {
        let client = RelayForwardingHandler(direction: .frontend, connection: connection, store: store)
        let server = RelayForwardingHandler(direction: .backend, connection: connection, store: store)
        client.partner = server
        server.partner = client
        return (client, server)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        store.record(bytes, from: direction, connection: connection)
        partner?.partnerWrite(bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClose(mode: .all)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent {
            partner?.partnerClose(mode: .output)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.partnerClose(mode: .all)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerIsWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    // MARK: Calls from the partner

    private func partnerWrite(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    /// Closes this channel (or its output) once everything already forwarded has been written.
    private func partnerClose(mode: CloseMode) {
        guard let context else { return }
        let channel = context.channel
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: flushed)
        flushed.futureResult.whenComplete { _ in
            channel.close(mode: mode, promise: nil)
        }
        if mode == .all {
            // Don't let a peer that stopped reading keep the connection open forever.
            context.eventLoop.scheduleTask(in: .seconds(5)) {
                channel.close(promise: nil)
            }
        }
    }

    private func partnerBecameWritable() {
        if readPending {
            readPending = false
            context?.read()
        }
    }

    private var partnerIsWritable: Bool {
        context?.channel.isWritable ?? false
    }
}
