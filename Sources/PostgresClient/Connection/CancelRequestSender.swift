import Logging
import NIOCore
import NIOPosix
import PostgresTLS
import PostgresWire

/// Sends a CancelRequest on a connection of its own, as libpq's `PQcancel` does: over TLS (after SSLRequest, or
/// direct) when the session uses TLS, then waits for the server to close the connection.
final class CancelRequestSender: ChannelInboundHandler {
    /// Bytes from the server; only its answer to SSLRequest is read.
    typealias InboundIn = ByteBuffer
    /// The encoded SSLRequest and CancelRequest.
    typealias OutboundOut = ByteBuffer

    private let request: CancelRequest
    private let tlsStart: TLSStart
    private let makeTLSHandler: () throws -> TLSHandler
    private let done: EventLoopPromise<Void>
    private var isSent = false

    private init(
        request: CancelRequest, tlsStart: TLSStart, makeTLSHandler: @escaping () throws -> TLSHandler,
        done: EventLoopPromise<Void>
    ) {
        self.request = request
        self.tlsStart = tlsStart
        self.makeTLSHandler = makeTLSHandler
        self.done = done
    }

    /// Sends `request` to `target`, securing the connection as `options` say when `usesTLS`.
    static func send(
        _ request: CancelRequest, to target: ConnectionTarget, options: ConnectionOptions, usesTLS: Bool,
        logger: Logger, eventLoop: any EventLoop
    ) async throws(PostgresClientError) {
        let server = target.serverDescription
        let tlsStart: TLSStart =
            usesTLS ? (options.sslNegotiation == .direct ? .direct : .sslRequest(required: true)) : .none
        let tlsContext: TLSClientContext?
        do {
            tlsContext = usesTLS ? try options.makeTLSClientContext() : nil
        } catch {
            var failure = error
            failure.server = server
            throw failure
        }
        let makeTLSHandler = options.tlsHandlerFactory(.success(tlsContext), for: target)
        let done = eventLoop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: eventLoop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    CancelRequestSender(
                        request: request, tlsStart: tlsStart, makeTLSHandler: makeTLSHandler, done: done))
            }
        }
        do {
            let channel =
                target.isUnixSocket
                ? try await bootstrap.connect(unixDomainSocketPath: target.unixSocketPath).get()
                : try await bootstrap.connect(
                    host: target.connectionAddress, port: target.port
                ).get()
            logger.debug("sending CancelRequest", metadata: ["server": "\(server)", "tls": "\(usesTLS)"])
            try await done.futureResult.get()
            try? await channel.close()
        } catch let error as PostgresClientError {
            throw error
        } catch let error as TLSError {
            throw PostgresClientError(.tls(error), server: server)
        } catch {
            done.fail(error)
            throw PostgresClientError(connecting: error, server: server)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        switch tlsStart {
        case .none:
            sendRequest(context: context)
        case .sslRequest:
            write(.sslRequest, context: context)
        case .direct:
            startTLS(context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !isSent, case .sslRequest = tlsStart else { return }
        switch bytes.readInteger(as: UInt8.self) {
        case UInt8(ascii: "S")? where bytes.readableBytes == 0:
            startTLS(context: context)
        case UInt8(ascii: "N")?:
            done.fail(PostgresClientError(.tlsRequired))
            context.close(promise: nil)
        default:
            done.fail(PostgresClientError(.protocolViolation("unexpected answer to SSLRequest")))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted { sendRequest(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError, error == .uncleanShutdown, isSent {
            return
        }
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isSent {
            done.succeed()
        } else {
            done.fail(PostgresClientError(.closed))
        }
        context.fireChannelInactive()
    }

    private func startTLS(context: ChannelHandlerContext) {
        do {
            try context.pipeline.syncOperations.addHandler(makeTLSHandler(), position: .before(self))
        } catch {
            done.fail(error)
            context.close(promise: nil)
        }
    }

    private func sendRequest(context: ChannelHandlerContext) {
        isSent = true
        write(.cancelRequest(request), context: context)
    }

    private func write(_ message: FrontendMessage, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 16)
        message.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
