import NIOCore
import PostgresTLS

/// The test server's first handler, as the gateway will do it: answers `SSLRequest` with `S` (and
/// `GSSENCRequest` with `N`), or recognises direct TLS by its first byte `0x16`, then puts a `TLSHandler`
/// in its own place and passes it the bytes that came after.
final class TLSNegotiationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let makeTLSHandler: () throws -> TLSHandler
    private var buffered = ByteBuffer()

    init(makeTLSHandler: @escaping () throws -> TLSHandler) {
        self.makeTLSHandler = makeTLSHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        while let first = buffered.getInteger(at: buffered.readerIndex, as: UInt8.self) {
            if first == 0x16 {
                return startTLS(context: context)
            }
            guard let length = buffered.getInteger(at: buffered.readerIndex, as: Int32.self),
                let code = buffered.getInteger(at: buffered.readerIndex + 4, as: Int32.self)
            else { return }
            guard length == 8 else {
                context.close(promise: nil)
                return
            }
            buffered.moveReaderIndex(forwardBy: 8)
            switch code {
            case 80_877_103:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "S")), promise: nil)
                return startTLS(context: context)
            case 80_877_104:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "N")), promise: nil)
            default:
                context.close(promise: nil)
                return
            }
        }
    }

    private func startTLS(context: ChannelHandlerContext) {
        do {
            try context.pipeline.syncOperations.addHandler(makeTLSHandler(), position: .after(self))
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        let remaining = buffered
        buffered = ByteBuffer()
        if remaining.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(remaining))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
