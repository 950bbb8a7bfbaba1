import NIOCore
import PostgresTLS
import PostgresWire

/// The REPL's handler on the connection of the client `pgw repl --listen` accepted: decodes the client's bytes into
/// messages for the REPL, and is the one write path to the client.
///
/// Everything the client receives passes through it: typed lines and `\auto-query` answers through
/// ``send(_:messages:promise:)``, and while `\auto-startup` runs, the answers of the gateway's handler behind it,
/// which pass through its `write` and are decoded for the REPL to show. With automatic startup on, the client's
/// startup-phase packets (SSLRequest, GSSENCRequest, StartupMessage, CancelRequest) are reported as automatic (not
/// for `\expect`) and go on to the gateway until a StartupMessage has gone; every other message stays with the REPL.
///
/// With a TLS context, an SSLResponse `S` (typed, or `\auto-startup`'s answer to an SSLRequest) is followed at once by
/// the TLS handshake: the TLS handler goes in front of this one, which then sees the plaintext (the gateway, which has
/// no TLS configuration, gets the StartupMessage from inside TLS).
final class REPLServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Bytes from the client (plaintext, behind TLS when it runs).
    typealias InboundIn = ByteBuffer
    /// The client's startup packets, passed on to the gateway's handler during `\auto-startup`.
    typealias InboundOut = ByteBuffer
    /// The gateway's answers during `\auto-startup`, decoded to be shown and passed on unchanged.
    typealias OutboundIn = ByteBuffer
    /// Bytes to the client.
    typealias OutboundOut = ByteBuffer

    private let continuation: AsyncStream<REPLEvent>.Continuation
    /// The server's TLS context; `nil` without TLS options (SSLRequest is answered N).
    private let tlsContext: TLSServerContext?
    private var context: ChannelHandlerContext?
    /// Decodes the client's bytes; what the REPL sends tells it what a `p` message is, and where nothing did (a
    /// password nobody asked for), it guesses from the bytes rather than wait.
    private var decoder = FrontendMessageDecoder(infersPeerContext: true)
    private var buffer = ByteBuffer()
    /// Decodes what the gateway sends (it has seen only the packets passed on to it).
    private var gatewayDecoder = BackendMessageDecoder()
    private var gatewayBytes = ByteBuffer()
    /// Bytes sent to the client so far, typed and automatic: the offset of the next message sent.
    private var sentOffset = 0
    /// The startup-phase packets received since something was last sent (or, with automatic startup on, before the
    /// gateway came): what `\auto-startup` answers.
    private var unansweredStartup: [(message: FrontendMessage, decoded: DecodedMessage)] = []
    /// Whether pgw answers the startup: startup-phase packets are reported as automatic.
    var answersStartup = false
    /// Whether a StartupMessage arrived and typed lines answered it (`\auto-startup` is then too late).
    private var isStartupAnswered = false
    /// Whether startup-phase packets go on to the gateway (`\auto-startup`, until a StartupMessage has gone).
    private var passesStartupOn = false
    private var isDraining = false
    private var hasFailed = false

    /// A handler that reports the client's messages, and what is sent on the REPL's behalf, to `continuation`; with
    /// `tlsContext`, an SSLResponse `S` starts TLS.
    init(continuation: AsyncStream<REPLEvent>.Continuation, tlsContext: TLSServerContext?) {
        self.continuation = continuation
        self.tlsContext = tlsContext
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// The client is connected: the listening socket closes, as the REPL serves one client.
    func channelActive(context: ChannelHandlerContext) {
        context.channel.parent?.close(promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        drain()
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finishConnection(undecodedBytes: hasFailed ? 0 : buffer.readableBytes)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !hasFailed else { return }
        hasFailed = true
        continuation.yield(.lost(error, peer: "client"))
        context.close(promise: nil)
    }

    /// The gateway's writes: shown as automatic messages, and observed so the client's next packets decode right.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        gatewayBytes.writeImmutableBuffer(unwrapOutboundIn(data))
        while true {
            let before = gatewayBytes
            let offset = gatewayDecoder.streamOffset
            guard let message = try? gatewayDecoder.decode(from: &gatewayBytes) else { break }
            let length = gatewayDecoder.streamOffset - offset
            let bytes = before.getSlice(at: before.readerIndex, length: length)!
            decoder.observe(message)
            continuation.yield(.automatic(DecodedMessage(message: .backend(message), offset: sentOffset, bytes: bytes)))
            sentOffset += length
        }
        gatewayBytes.discardReadBytes()
        context.write(data, promise: promise)
        drain()
    }

    /// Sends typed bytes to the client and flushes; `messages` (what they hold) tell the decoder how to read the
    /// client's next packets (after an SSLResponse, an authentication request).
    func send(_ bytes: ByteBuffer, messages: [WireMessage], promise: EventLoopPromise<Void>) {
        guard let context, context.channel.isActive else {
            promise.fail(REPLConnectionError("the client has closed the connection"))
            return
        }
        for case .backend(let message) in messages { decoder.observe(message) }
        if unansweredStartup.contains(where: { if case .startup = $0.message { true } else { false } }) {
            isStartupAnswered = true
        }
        unansweredStartup = []
        sentOffset += bytes.readableBytes
        context.writeAndFlush(wrapOutboundOut(bytes), promise: promise)
        if messages.contains(.backend(.sslResponse(accepted: true))) && tlsContext != nil { startTLS() }
        drain()
    }

    /// Passes the unanswered startup-phase packets, and the next ones until a StartupMessage, on to the gateway's
    /// handler (just added behind this one); returns the offsets of those reported as messages, which the REPL
    /// no longer offers to `\expect`.
    func passStartupOn() throws(REPLConnectionError) -> [Int] {
        guard !isStartupAnswered else {
            throw REPLConnectionError("too late: the client's StartupMessage was already answered")
        }
        let reported = answersStartup ? [] : unansweredStartup.map(\.decoded.offset)
        (answersStartup, passesStartupOn) = (true, true)
        let pending = unansweredStartup
        unansweredStartup = []
        for (index, packet) in pending.enumerated() where passesStartupOn {
            pass(
                packet.message, bytes: packet.decoded.bytes,
                isFollowed: index < pending.count - 1 || buffer.readableBytes > 0)
        }
        drain()
        return reported
    }

    /// Passes one startup-phase packet on; `isFollowed` tells whether the client's bytes after it have come already.
    private func pass(_ message: FrontendMessage, bytes: ByteBuffer, isFollowed: Bool) {
        guard let context else { return }
        if case .sslRequest = message, tlsContext != nil {
            // CVE-2021-23222: bytes sent with the SSLRequest, before its answer, were not encrypted and may have
            // been injected; PostgreSQL (and pgw serve and proxy) refuse them.
            guard !isFollowed else {
                refuse("received unencrypted data after SSL request")
                return
            }
            // The gateway has no TLS configuration: the SSLRequest is accepted here, TLS goes in front of this handler.
            let accepted = BackendMessage.sslResponse(accepted: true)
            var encoded = ByteBuffer()
            accepted.encode(into: &encoded)
            continuation.yield(
                .automatic(DecodedMessage(message: .backend(accepted), offset: sentOffset, bytes: encoded)))
            decoder.observe(accepted)
            sentOffset += encoded.readableBytes
            context.writeAndFlush(wrapOutboundOut(encoded), promise: nil)
            startTLS()
            return
        }
        gatewayDecoder.observe(message)
        if case .startup = message { passesStartupOn = false }
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    /// Decodes and reports the client's complete messages; keeps or passes on startup-phase packets.
    private func drain() {
        guard !isDraining else { return }
        isDraining = true
        defer { isDraining = false }
        while !hasFailed {
            let before = buffer
            let offset = decoder.streamOffset
            let message: FrontendMessage
            do {
                guard let decoded = try decoder.decode(from: &buffer) else { break }
                message = decoded
            } catch {
                fail("cannot decode the client's bytes: \(error)")
                break
            }
            let bytes = before.getSlice(at: before.readerIndex, length: decoder.streamOffset - offset)!
            let decoded = DecodedMessage(message: .frontend(message), offset: offset, bytes: bytes)
            switch message {
            case .sslRequest, .gssENCRequest, .startup, .cancelRequest:
                continuation.yield(answersStartup ? .automatic(decoded) : .message(decoded))
                if passesStartupOn {
                    pass(message, bytes: bytes, isFollowed: buffer.readableBytes > 0)
                } else {
                    unansweredStartup.append((message, decoded))
                }
            default:
                continuation.yield(.message(decoded))
            }
        }
        if decoder.phase == .encrypted && !hasFailed {
            fail(
                tlsContext == nil
                    ? "the client started TLS; give pgw repl --listen --tls-cert and --tls-key to accept it"
                    : "the client started TLS without an SSLRequest (direct TLS), which pgw repl does not accept")
        }
        buffer.discardReadBytes()
    }

    /// Puts a TLS handler in front of this one after an `S` went out; what arrives next is the client's handshake,
    /// then the startup from its start.
    private func startTLS() {
        guard let context, let tlsContext else { return }
        do {
            let tls = try TLSHandler(serverContext: tlsContext)
            try context.pipeline.syncOperations.addHandler(tls, position: .before(self))
        } catch {
            fail("cannot start TLS: \(error)")
            return
        }
        decoder = FrontendMessageDecoder(streamOffset: decoder.streamOffset, infersPeerContext: true)
        continuation.yield(.note("TLS handshake started"))
    }

    /// Sends the client `\auto-startup`'s FATAL 08P01 `message` (shown as an automatic message) and closes.
    private func refuse(_ message: String) {
        guard let context, !hasFailed else { return }
        hasFailed = true
        passesStartupOn = false
        let error = BackendMessage.errorResponse(
            DiagnosticMessage(severity: "FATAL", sqlState: "08P01", message: message))
        var encoded = ByteBuffer()
        error.encode(into: &encoded)
        continuation.yield(.automatic(DecodedMessage(message: .backend(error), offset: sentOffset, bytes: encoded)))
        sentOffset += encoded.readableBytes
        buffer.clear()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(encoded)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func fail(_ reason: String) {
        guard !hasFailed else { return }
        hasFailed = true
        continuation.yield(.failure(reason))
        context?.close(promise: nil)
    }
}
