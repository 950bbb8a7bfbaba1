import NIOCore

/// The first handler of an embedded test pipeline: turns `close(mode: .output)`, which `EmbeddedChannel`
/// would treat as a full close, into a recorded TCP half-closure.
final class HalfCloseSimulator: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    /// Whether the output was closed; the pump then delivers `inputClosed` to the peer.
    private(set) var outputClosed = false

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output {
            outputClosed = true
            promise?.succeed()
        } else {
            context.close(mode: mode, promise: promise)
        }
    }
}
