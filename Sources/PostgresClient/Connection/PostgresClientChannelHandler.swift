import Logging
import NIOCore
import PostgresTLS
import PostgresWire

/// Drives a ``ClientConnectionStateMachine`` on a channel, then hands the server's messages to a
/// ``MessageStream``.
///
/// Every message the client sends goes through this handler's `write` (the state machine's and the caller's
/// alike), which encodes it and tells the decoder about it. Reading follows the consumer: once the connection is
/// open, `read` is held back whenever the stream's consumer lags, and before there is a stream once 64 KiB wait
/// undecoded, so the server's bytes wait in the socket, not in memory.
final class PostgresClientChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Bytes from the server.
    typealias InboundIn = ByteBuffer
    /// Messages to the server.
    typealias OutboundIn = FrontendMessage
    /// Their encoded bytes.
    typealias OutboundOut = ByteBuffer

    private var stateMachine: ClientConnectionStateMachine
    private var decoder = BackendMessageDecoder()
    private var unprocessed = ByteBuffer()
    private let makeTLSHandler: () throws -> TLSHandler
    private let logger: Logger
    private let opened: EventLoopPromise<ServerSession>
    private var context: ChannelHandlerContext?
    private var isOpen = false
    private var isStarted = false
    /// Where messages go once ``makeMessageStream(eventLoop:)`` was called.
    private var messageSource: MessageStream<BackendMessage>.Producer.Source?
    /// True while the stream's consumer lags: reads are held back.
    private var isStreamFull = false
    /// A `read` held back while the stream was full.
    private var hasPendingRead = false
    /// Whether the channel is closing: reads are no longer held back, so that TLS can read the peer's
    /// `close_notify`.
    private var isClosing = false

    /// A handler for one attempt; `opened` completes with the session once the first ReadyForQuery arrived.
    init(
        configuration: ClientStartupConfiguration, makeTLSHandler: @escaping () throws -> TLSHandler, logger: Logger,
        opened: EventLoopPromise<ServerSession>
    ) {
        self.stateMachine = ClientConnectionStateMachine(configuration: configuration)
        self.makeTLSHandler = makeTLSHandler
        self.logger = logger
        self.opened = opened
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    /// Ends the message stream and passes on a read held back, so that whoever takes the channel over reads on.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        messageSource?.finish()
        if hasPendingRead {
            hasPendingRead = false
            context.read()
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !isStarted else { return }
        isStarted = true
        perform(stateMachine.connected(), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(stateMachine.closed(), context: context)
        if let messageSource { deliverBufferedMessagesAndFinish(to: messageSource) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !isOpen {
            let reason: PostgresClientError.Reason =
                if let error = error as? TLSError { .tls(error) } else { .protocolViolation("\(error)") }
            fail(reason, context: context)
        } else if let error = error as? TLSError, error == .uncleanShutdown {
            logger.debug("server closed the connection without TLS close_notify")
        } else {
            messageSource?.finish(error)
            releaseReadsForClosing(context: context)
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            logger.debug(
                "TLS established",
                metadata: [
                    "tls.version": "\(completed.info.protocolVersion)", "tls.cipher": "\(completed.info.cipher)",
                ])
            decoder = BackendMessageDecoder()
            perform(stateMachine.tlsEstablished(completed.info), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if unprocessed.readableBytes == 0 {
            unprocessed = bytes
        } else {
            unprocessed.writeBuffer(&bytes)
        }
        processUnprocessedBytes(context: context)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(encode(unwrapOutboundIn(data), context: context)), promise: promise)
    }

    /// How many undecoded bytes may wait in memory before a message stream (or a new owner) takes them; beyond
    /// this, reading stops until then. Small enough to bound memory, large enough that a server's closing
    /// messages (an ErrorResponse, TLS `close_notify`, the end of the connection) are still read.
    static let bufferedBytesLimit = 64 * 1024

    func read(context: ChannelHandlerContext) {
        let isWaitingForOwner = isOpen && messageSource == nil && unprocessed.readableBytes >= Self.bufferedBytesLimit
        if !isClosing && (isStreamFull || isWaitingForOwner) {
            hasPendingRead = true
        } else {
            context.read()
        }
    }

    /// Stops holding reads back before the close goes on: a TLS handler waits for the peer's `close_notify`.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        releaseReadsForClosing(context: context)
        context.close(mode: mode, promise: promise)
    }

    private func releaseReadsForClosing(context: ChannelHandlerContext) {
        isClosing = true
        if hasPendingRead {
            hasPendingRead = false
            context.read()
        }
    }

    // MARK: Stream

    /// Starts delivering the server's messages to a stream; call on the event loop, once.
    func makeMessageStream(eventLoop: any EventLoop) -> MessageStream<BackendMessage> {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let (stream, source) = MessageStream<BackendMessage>.makeProducer(resume: {
            eventLoop.execute { loopBound.value.resumeReading() }
        })
        messageSource = source
        if let context, context.channel.isActive {
            resumeReading()
        } else {
            deliverBufferedMessagesAndFinish(to: source)
        }
        return stream
    }

    /// The connection is gone: the messages it left undecoded (a FATAL before the close, say) go to the stream,
    /// which then ends.
    private func deliverBufferedMessagesAndFinish(to source: MessageStream<BackendMessage>.Producer.Source) {
        do {
            while let message = try decoder.decode(from: &unprocessed) {
                _ = source.yield(message)
            }
            source.finish()
        } catch {
            source.finish(PostgresClientError(.protocolViolation("invalid message from the server: \(error)")))
        }
    }

    /// The bytes received but not yet decoded, taken out of the handler (for handing the channel over).
    func takeUnprocessedBytes() -> ByteBuffer {
        defer { unprocessed = ByteBuffer() }
        return unprocessed
    }

    /// Decodes what is buffered into the stream, then passes on a held-back read unless the stream filled up.
    private func resumeReading() {
        guard let context else { return }
        isStreamFull = false
        processUnprocessedBytes(context: context)
        if hasPendingRead && !isStreamFull {
            hasPendingRead = false
            context.read()
        }
    }

    // MARK: Decoding

    /// The longest message accepted while connecting, header excluded: libpq's limit for error messages then
    /// (`MAX_ERRLEN`), so that a hostile server cannot make the client buffer a huge message before it is open.
    static let openingMessageLimit = 30_000

    private func processUnprocessedBytes(context: ChannelHandlerContext) {
        while !isStreamFull, isOpen ? messageSource != nil : true {
            if !isOpen {
                switch stateMachine.screen(unprocessed) {
                case .decode: break
                case .needMoreBytes: return
                case .act(let action):
                    perform(action, context: context)
                    return
                }
            }
            if !isOpen, decoder.phase == .messages, decoder.pendingEncryptionResponses.isEmpty,
                let length = unprocessed.getInteger(at: unprocessed.readerIndex + 1, as: UInt32.self),
                length > Self.openingMessageLimit
            {
                fail(
                    .protocolViolation(
                        "received a \(length)-byte message while connecting (at most \(Self.openingMessageLimit))"),
                    context: context)
                return
            }
            let message: BackendMessage?
            do {
                message = try decoder.decode(from: &unprocessed)
            } catch {
                fail(.protocolViolation("invalid message from the server: \(error)"), context: context)
                return
            }
            guard let message else { break }
            if isOpen {
                deliver(message)
            } else {
                let action = stateMachine.received(message)
                if action == .startTLS && unprocessed.readableBytes > 0 {
                    fail(.protocolViolation("received unencrypted data after SSL response"), context: context)
                    return
                }
                perform(action, context: context)
                if case .fail = action { return }
            }
        }
        if unprocessed.readableBytes == 0 {
            unprocessed.clear()
        }
    }

    private func deliver(_ message: BackendMessage) {
        guard let messageSource else { return }
        if messageSource.yield(message) == .stopProducing {
            isStreamFull = true
        }
    }

    // MARK: Actions

    private func perform(_ action: ClientConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .send(let messages):
            for message in messages {
                logger.trace("sending \(message.typeName)")
                context.write(wrapOutboundOut(encode(message, context: context)), promise: nil)
            }
            context.flush()
        case .startTLS:
            do {
                try context.pipeline.syncOperations.addHandler(makeTLSHandler(), position: .before(self))
            } catch let error as TLSError {
                fail(.tls(error), context: context)
            } catch let error as PostgresClientError {
                fail(error.reason, context: context)
            } catch {
                fail(.protocolViolation("\(error)"), context: context)
            }
        case .ready(let session):
            isOpen = true
            opened.succeed(session)
        case .fail(let reason):
            fail(reason, context: context)
        }
    }

    private func encode(_ message: FrontendMessage, context: ChannelHandlerContext) -> ByteBuffer {
        decoder.observe(message)
        var buffer = context.channel.allocator.buffer(capacity: 64)
        message.encode(into: &buffer)
        return buffer
    }

    private func fail(_ reason: PostgresClientError.Reason, context: ChannelHandlerContext) {
        var error = PostgresClientError(reason)
        error.wasEncrypted = stateMachine.isEncrypted
        if isOpen {
            messageSource?.finish(error)
        } else {
            opened.fail(error)
        }
        releaseReadsForClosing(context: context)
        context.close(promise: nil)
    }
}
