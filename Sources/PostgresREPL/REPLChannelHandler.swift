import NIOCore
import PostgresTLS
import PostgresWire

/// Decodes the server's bytes into messages for the REPL, each with its bytes, and reports the connection's end.
final class REPLChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Bytes from the server.
    typealias InboundIn = ByteBuffer

    private var decoder: BackendMessageDecoder
    private var buffer: ByteBuffer
    private let continuation: AsyncStream<REPLEvent>.Continuation
    private var hasFailed = false
    /// The server's last answer to an SSLRequest (`true`: S), if any: `\tls` needs an S.
    private(set) var sslAnswer: Bool?
    /// Whether TLS was started on the connection (`\tls` starts it once).
    private(set) var isTLS = false

    /// A handler that continues decoding after `unprocessed` (the bytes the login left undecoded).
    init(decoder: BackendMessageDecoder, unprocessed: ByteBuffer, continuation: AsyncStream<REPLEvent>.Continuation) {
        self.decoder = decoder
        self.buffer = unprocessed
        self.continuation = continuation
    }

    /// Tells the decoder what the client sent (SSLRequest, StartupMessage), for the answers that depend on it.
    func observe(_ message: FrontendMessage) {
        decoder.observe(message)
    }

    /// TLS starts: decoding starts afresh (the messages inside TLS begin where a connection begins), and the start
    /// is reported in order with the messages.
    func startTLS() {
        isTLS = true
        decoder = BackendMessageDecoder()
        buffer.clear()
        continuation.yield(.note("TLS handshake started"))
    }

    /// Reports a completed TLS handshake with its facts.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            let info = completed.info
            continuation.yield(.note("TLS handshake completed: \(info.protocolVersion), cipher \(info.cipher)"))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        drain(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        drain(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finishConnection(undecodedBytes: hasFailed ? 0 : buffer.readableBytes)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !hasFailed { continuation.yield(.lost(error, peer: "server")) }
        hasFailed = true
        context.close(promise: nil)
    }

    private func drain(context: ChannelHandlerContext) {
        while !hasFailed {
            let before = buffer
            let offset = decoder.streamOffset
            do {
                guard let message = try decoder.decode(from: &buffer) else { break }
                let bytes = before.getSlice(at: before.readerIndex, length: decoder.streamOffset - offset)!
                if case .sslResponse(let accepted) = message { sslAnswer = accepted }
                continuation.yield(.message(DecodedMessage(message: .backend(message), offset: offset, bytes: bytes)))
            } catch {
                hasFailed = true
                continuation.yield(.failure("cannot decode the server's bytes: \(error)"))
                context.close(promise: nil)
            }
        }
        buffer.discardReadBytes()
    }
}
