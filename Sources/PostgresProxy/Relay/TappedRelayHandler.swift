import NIOCore
import PostgresTLS
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One half of the relay between a client channel and its upstream channel: forwards every byte its channel reads
/// to the partner channel unchanged, shows it to the connection's ``ConnectionTap`` on the way, and reads only while
/// the partner can take more and the traffic log is not behind. Both channels share an event loop.
final class TappedRelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The direction of the bytes this handler's channel reads: `.frontend` on the client's channel.
    private let direction: MessageDirection
    private let tap: ConnectionTap
    private let upstream: UpstreamServer
    private var partner: TappedRelayHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private var isWaitingForLog = false
    /// Whether this handler's peer shut its sending side (a client's `shutdown(SHUT_WR)`): the half-close went on
    /// to the partner, whose answers still come back.
    private var peerClosedInput = false

    private init(
        direction: MessageDirection, tap: ConnectionTap, upstream: UpstreamServer
    ) {
        self.direction = direction
        self.tap = tap
        self.upstream = upstream
    }

    /// The handler for the client's channel and the one for the upstream channel, joined to each other.
    static func matchedPair(
        tap: ConnectionTap, upstream: UpstreamServer
    ) -> (client: TappedRelayHandler, upstream: TappedRelayHandler) {
        let client = TappedRelayHandler(direction: .frontend, tap: tap, upstream: upstream)
        let server = TappedRelayHandler(direction: .backend, tap: tap, upstream: upstream)
        client.partner = server
        server.partner = client
        return (client, server)
    }

    /// Forwards `bytes` to the partner channel through the tap, as if this handler's channel had read them (the
    /// replayed StartupMessage, bytes received before the relay started).
    func forwardAsRead(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        tap.see(bytes, from: direction)
        partner?.context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if direction == .frontend {
            // A client that shuts its sending side after its last request still reads the answers, as it would from
            // PostgreSQL: the half-close is passed on upstream instead of closing the connection.
            try? context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        tap.see(bytes, from: direction)
        partner?.context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard let partnerContext = partner?.context else { return }
        // What this side sent last may not have been flushed yet (a TLS leg can deliver its last records and close
        // without a read-complete): flushed before the partner closes, which would drop it.
        partnerContext.flush()
        switch direction {
        case .frontend:
            tap.close(reason: tap.clientTerminated ? "client terminated the session" : "client closed the connection")
            partnerContext.close(promise: nil)
        case .backend:
            upstreamEnded(partnerContext, failure: nil)
        }
        partner?.partner = nil
        partner = nil
    }

    /// The upstream leg ended, closed or failed with `failure`: the end of the session the client asked for is
    /// logged as such; otherwise the client gets FATAL 08006 when the server's stream is between messages and did
    /// not end on an error, as libpq reports a server that goes away (`server closed the connection unexpectedly`,
    /// also when it went without TLS close_notify or with a reset, as a killed backend does), and the connection is
    /// closed. Call on the upstream channel's handler, with the client channel's context.
    private func upstreamEnded(_ partnerContext: ChannelHandlerContext, failure: (any Error)?) {
        let closedUnexpectedly: Bool
        switch failure {
        case nil, TLSError.uncleanShutdown?: closedUnexpectedly = true
        case let error as IOError: closedUnexpectedly = [ECONNRESET, EPIPE].contains(error.errnoCode)
        default: closedUnexpectedly = false
        }
        let cause = failure.map { " (\($0))" } ?? ""
        if tap.isClosed {
            // The client side ended the session (or the proxy is shutting down) and is closing already.
        } else if tap.clientTerminated {
            // The server ends the session the client's Terminate asked it to end, before the client's own close
            // arrives.
            tap.close(reason: "client terminated the session")
            partnerContext.close(promise: nil)
        } else if partner?.peerClosedInput == true {
            // The server saw the client's half-close (end of input) and ended the session, as it does.
            tap.close(reason: "client closed the connection")
            partnerContext.close(promise: nil)
        } else if tap.serverSentErrorLast || !tap.backendIsAtMessageBoundary {
            tap.close(
                reason: closedUnexpectedly
                    ? "server closed the connection\(cause)"
                    : "server connection failed: \(failure.map { "\($0)" } ?? "")",
                closedByClient: false)
            partnerContext.close(promise: nil)
        } else if closedUnexpectedly {
            // The client would otherwise see the socket close with no reason: tell it, as libpq would.
            partner?.sendFatal(
                code: "08006", message: "server closed the connection unexpectedly",
                detail: "The upstream server \(upstream) closed the connection to pgw proxy.",
                closing: (reason: "server closed the connection unexpectedly\(cause)", byClient: false))
        } else {
            let error = failure.map { "\($0)" } ?? ""
            partner?.sendFatal(
                code: "08006", message: "could not receive data from the upstream server: \(error)",
                detail: "The connection from pgw proxy to the upstream server \(upstream) failed.",
                closing: (reason: "server connection failed: \(error)", byClient: false))
        }
    }

    /// Writes a FATAL ErrorResponse to this handler's channel and closes it. The tap logs the FATAL, then the
    /// connection's summary with `closing` (its reason and which side closed), before the write: a write that
    /// completes at once closes the channel at once, which would log the summary as the client's close.
    func sendFatal(code: String, message: String, detail: String, closing: (reason: String, byClient: Bool)) {
        guard let context else { return }
        var bytes = ByteBuffer()
        BackendMessage.errorResponse(
            DiagnosticMessage(severity: "FATAL", sqlState: code, message: message, detail: detail)
        ).encode(into: &bytes)
        tap.see(bytes, from: .backend)
        tap.close(reason: closing.reason, closedByClient: closing.byClient)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// At shutdown: sends the client FATAL 57P01 (when the server's stream is at a message boundary) and closes
    /// both legs. Returns the client channel's close future. Call on the client-side handler.
    func shutDown() -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        guard !tap.isClosed, context.channel.isActive else { return context.channel.closeFuture }
        if tap.backendIsAtMessageBoundary {
            sendFatal(
                code: "57P01", message: "terminating connection due to administrator command",
                detail: "pgw proxy is shutting down.", closing: (reason: "proxy shutting down", byClient: true))
        } else {
            tap.close(reason: "proxy shutting down")
            context.close(promise: nil)
        }
        partner?.context?.close(promise: nil)
        return context.channel.closeFuture
    }

    /// Closes this handler's channel at once (a client that does not read its FATAL at shutdown).
    func forceClose() {
        context?.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            peerClosedInput = true
            partner?.context?.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if direction == .backend, let partnerContext = partner?.context {
            // The upstream went away (a killed backend's TLS leg ends without close_notify): as when it closes.
            partnerContext.flush()
            upstreamEnded(partnerContext, failure: error)
            partner?.partner = nil
            partner = nil
            context.close(promise: nil)
            return
        }
        tap.close(reason: "\(direction == .frontend ? "client" : "server") connection failed: \(error)")
        partner?.context?.close(promise: nil)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead, let partnerContext = partner.context {
            partner.pendingRead = false
            partner.read(context: partnerContext)
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        guard partner?.context?.channel.isWritable == true else {
            pendingRead = true
            return
        }
        guard let sink = tap.laggingSink else {
            context.read()
            return
        }
        guard !isWaitingForLog else { return }
        isWaitingForLog = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        sink.whenCaughtUp(on: context.eventLoop) {
            let handler = handler.value
            handler.isWaitingForLog = false
            if let context = handler.context { handler.read(context: context) }
        }
    }
}
