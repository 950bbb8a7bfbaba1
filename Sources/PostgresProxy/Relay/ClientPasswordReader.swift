import NIOCore
import PostgresWire

/// Asks the client for its password (AuthenticationCleartextPassword, over the TLS client leg) and reads the
/// answer: the first step of the authenticating mode, where the proxy logs in upstream itself. Removes itself once
/// the password arrived and hands on the bytes the client sent after it.
final class ClientPasswordReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// The password and the client's bytes after it, or the failure.
    let answer: EventLoopPromise<(password: String, rest: ByteBuffer)>
    private var buffered: ByteBuffer
    private var decoder = FrontendMessageDecoder(phase: .messages, maximumMessageLength: 65_535)

    /// A reader starting with `unprocessed` (bytes already received), answering through `answer`.
    init(unprocessed: ByteBuffer, answer: EventLoopPromise<(password: String, rest: ByteBuffer)>) {
        self.buffered = unprocessed
        self.answer = answer
        decoder.observe(.authentication(.cleartextPassword))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        var request = ByteBuffer()
        BackendMessage.authentication(.cleartextPassword).encode(into: &request)
        context.writeAndFlush(NIOAny(request), promise: nil)
        decodeBuffered(context: context)
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        decodeBuffered(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        answer.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.fail(error)
        context.close(promise: nil)
    }

    private func decodeBuffered(context: ChannelHandlerContext) {
        do {
            guard let message = try decoder.decode(from: &buffered) else { return }
            guard case .password(let password) = message else {
                throw WireDecodingError(
                    offset: 0, messageType: message.typeName,
                    reason: .unexpectedBytes(
                        count: 0, context: "instead of the password"))
            }
            let rest = buffered
            buffered = ByteBuffer()
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            answer.succeed((password.password, rest))
        } catch {
            answer.fail(error)
        }
    }
}
