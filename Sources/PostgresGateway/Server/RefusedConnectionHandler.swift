import NIOCore
import PostgresWire

/// Refuses a client beyond the server's socket limit as PostgreSQL refuses one beyond `max_connections`: an
/// SSLRequest or GSSENCRequest is answered `N`, and once the startup packet is in (or the bytes are not one), the
/// client gets FATAL 53300 `sorry, too many clients already`; then the server's side is shut and what else the
/// client sends is dropped until it closes, for at most ``lifetime`` in all (closing a socket with unread bytes
/// resets it, and a reset can destroy the error before the client reads it). Holds at most one startup packet's
/// bytes.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a refused socket may stay open.
    static let lifetime = TimeAmount.seconds(1)

    /// Bytes received and not yet consumed.
    private var received = ByteBuffer()
    /// Whether the FATAL was sent; later bytes are dropped.
    private var hasRefused = false

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        channel.eventLoop.scheduleTask(in: Self.lifetime) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hasRefused else { return }
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        while !hasRefused, let length = received.getInteger(at: received.readerIndex, as: Int32.self) {
            guard length >= 8, Int(length) <= WireLimits.maximumStartupPacketLength else {
                refuse(context)
                return
            }
            guard received.readableBytes >= Int(length) else { return }
            let code = received.getInteger(at: received.readerIndex + 4, as: UInt32.self)
            received.moveReaderIndex(forwardBy: Int(length))
            if length == 8, code == FrontendMessage.sslRequestCode || code == FrontendMessage.gssENCRequestCode {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "N")), promise: nil)
            } else {
                refuse(context)
            }
        }
    }

    /// Sends the FATAL and shuts the server's side.
    private func refuse(_ context: ChannelHandlerContext) {
        hasRefused = true
        received = ByteBuffer()
        let diagnostic = DiagnosticMessage(
            severity: "FATAL", sqlState: SQLState.tooManyConnections.rawValue,
            message: "sorry, too many clients already")
        var buffer = context.channel.allocator.buffer(capacity: 64)
        BackendMessage.errorResponse(diagnostic).encode(into: &buffer)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
    }
}
