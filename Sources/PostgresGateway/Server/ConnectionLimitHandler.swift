import NIOCore
import PostgresWire

/// Answers a client beyond the connection limit with FATAL 53300, as PostgreSQL does, and closes.
final class ConnectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        let error = DiagnosticMessage(
            severity: "FATAL",
            sqlState: SQLState.tooManyConnections.rawValue,
            message: "sorry, too many clients already"
        )
        BackendMessage.errorResponse(error).encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
