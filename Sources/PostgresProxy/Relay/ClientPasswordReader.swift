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

    /// Decodes the client's answer once it is whole. Anything but a well-formed PasswordMessage is answered with
    /// PostgreSQL's FATAL 08P01 (`invalid password packet size`, `expected password response, got message type
    /// N`) before the connection is failed.
    private func decodeBuffered(context: ChannelHandlerContext) {
        let typeByte = buffered.getInteger(at: buffered.readerIndex, as: UInt8.self)
        let message: FrontendMessage?
        do {
            message = try decoder.decode(from: &buffered)
        } catch {
            refuse(typeByte == UInt8(ascii: "p") ? "invalid password packet size" : "\(error)", error, context)
            return
        }
        guard let message else { return }
        guard case .password(let password) = message else {
            let type = typeByte.map(String.init) ?? "?"
            let error = WireDecodingError(
                offset: 0, messageType: message.typeName,
                reason: .unexpectedBytes(count: 0, context: "instead of the password"))
            refuse("expected password response, got message type \(type)", error, context)
            return
        }
        let rest = buffered
        buffered = ByteBuffer()
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
        answer.succeed((password.password, rest))
    }

    /// Sends FATAL 08P01 with `message`, then fails the answer with `error` (the caller closes the connection).
    private func refuse(_ message: String, _ error: any Error, _ context: ChannelHandlerContext) {
        var reply = ByteBuffer()
        BackendMessage.errorResponse(DiagnosticMessage(severity: "FATAL", sqlState: "08P01", message: message))
            .encode(into: &reply)
        context.writeAndFlush(NIOAny(reply), promise: nil)
        answer.fail(error)
    }
}
