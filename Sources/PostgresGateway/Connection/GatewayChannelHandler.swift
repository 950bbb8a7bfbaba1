import NIOCore
import PostgresAuthentication
import PostgresTLS
import PostgresWire

/// Drives a ``ConnectionStateMachine`` on a channel: decodes client bytes, performs the machine's actions,
/// runs hooks off the event loop and feeds their results back.
final class GatewayChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var stateMachine: ConnectionStateMachine
    private var decoder: FrontendMessageDecoder
    private var unprocessed = ByteBuffer()
    private let configuration: PostgresConnectionConfiguration
    private let hooks: PostgresConnectionHooks
    private let connection: PostgresConnection
    private var context: ChannelHandlerContext?
    private var authenticationTimeout: Scheduled<Void>?
    /// True while a hook runs: client bytes are buffered, not decoded.
    private var isRunningHook = false
    /// Where unhandled messages go once ``makeMessageStream(eventLoop:)`` was called.
    private var messageSource: FrontendMessageStream.Producer.Source?
    /// Answers unhandled messages when the hooks have a query responder; made at the first such message.
    private var querySession: QuerySession?
    /// True while the message stream's consumer lags: reading is paused.
    private var isMessageStreamFull = false
    private var isClosed = false

    init(configuration: PostgresConnectionConfiguration, hooks: PostgresConnectionHooks, connection: PostgresConnection)
    {
        self.configuration = configuration
        self.hooks = hooks
        self.connection = connection
        self.decoder = FrontendMessageDecoder(maximumMessageLength: configuration.maximumMessageLength)
        self.stateMachine = ConnectionStateMachine(
            configuration: .init(
                authenticationMode: configuration.authenticationMode,
                isTLSConfigured: configuration.tls != nil,
                serverParameters: configuration.reportedParameters
            )
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let timeout = configuration.authenticationTimeout
        authenticationTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.perform(self.stateMachine.timeoutFired())
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        authenticationTimeout?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if unprocessed.readableBytes == 0 {
            unprocessed = bytes
        } else {
            unprocessed.writeBuffer(&bytes)
        }
        processUnprocessedBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        messageSource?.finish()
        isClosed = true
        stateMachine.closed()
        authenticationTimeout?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let completed = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let info = TLSSessionInfo(completed.info)
        perform(stateMachine.tlsHandshakeCompleted(info))
        connection.update(stateMachine.connectionState)
        if let hook = hooks.onTLSUpgrade {
            runHook { [connection] in
                try await hook(connection)
            } then: { _ in
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // TLS failures and socket errors end the connection; nothing sensible can be sent in plaintext.
        close()
    }

    /// Bytes received but not yet decoded, handed over by ``PostgresConnection/detach()``.
    func takeUnprocessedBytes() -> ByteBuffer {
        defer { unprocessed = ByteBuffer() }
        return unprocessed
    }

    // MARK: Decoding

    private func processUnprocessedBytes() {
        while !isRunningHook && !isMessageStreamFull && !isClosed && context != nil && unprocessed.readableBytes > 0 {
            if decoder.phase == .startup && unprocessed.readableBytesView.first == 0x16 {
                perform(stateMachine.directTLSReceived())
                return
            }
            let before = unprocessed
            let message: FrontendMessage
            do {
                guard let decoded = try decoder.decode(from: &unprocessed) else { return }
                message = decoded
            } catch {
                perform(stateMachine.decodingFailed(error))
                return
            }
            let raw = before.getSlice(at: before.readerIndex, length: unprocessed.readerIndex - before.readerIndex)!
            perform(stateMachine.messageReceived(message, hasUnprocessedBytes: unprocessed.readableBytes > 0), raw: raw)
        }
    }

    // MARK: Actions

    private func perform(_ action: ConnectionStateMachine.Action, raw: ByteBuffer = ByteBuffer()) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .send(let messages):
            write(messages, flush: true)
        case .acceptTLS:
            write([.sslResponse(accepted: true)], flush: true)
            startTLS(context: context, replaying: nil)
        case .startDirectTLS:
            startTLS(context: context, replaying: takeUnprocessedBytes())
        case .runStartupHook(let messages):
            write(messages, flush: true)
            connection.update(stateMachine.connectionState)
            guard let hook = hooks.onStartup else {
                perform(stateMachine.startupHookCompleted(handled: false))
                return
            }
            runHook { [connection] in
                try await hook(connection)
            } then: { handled in
                self.perform(self.stateMachine.startupHookCompleted(handled: handled))
            }
        case .validateCredentials(let credentials):
            guard let hook = hooks.validateCredentials else {
                if case .certificate = credentials {
                    perform(stateMachine.credentialsValidated(true))
                } else {
                    perform(stateMachine.credentialsValidated(false))
                }
                return
            }
            runHook { [connection] in
                try await hook(credentials, connection)
            } then: { valid in
                self.perform(self.stateMachine.credentialsValidated(valid))
            }
        case .fetchSCRAMVerifier(let user):
            guard let hook = hooks.scramVerifier else {
                perform(stateMachine.scramVerifierFetched(nil))
                return
            }
            runHook { [connection] in
                try await hook(user, connection)
            } then: { verifier in
                self.perform(
                    self.stateMachine.scramVerifierFetched(verifier.flatMap { try? SCRAMVerifier(parsing: $0) }))
            }
        case .authenticated(let messages):
            authenticationTimeout?.cancel()
            connection.update(stateMachine.connectionState)
            write(messages, flush: true)
            if let hook = hooks.onAuthenticated {
                runHook { [connection] in
                    try await hook(connection)
                } then: { _ in
                }
            }
        case .deliver(let message):
            guard let hook = hooks.onMessage else {
                deliverUnhandled(message)
                return
            }
            runHook { [connection] in
                try await hook(message, raw, connection)
            } then: { handled in
                if !handled { self.deliverUnhandled(message) }
            }
        case .cancel(let request):
            guard let hook = hooks.onCancelRequest else {
                close()
                return
            }
            runHook {
                await hook(request)
            } then: { _ in
                self.close()
            }
        case .closeWithError(let diagnostic):
            write([.errorResponse(diagnostic)], flush: true)
            close()
        case .close:
            close()
        }
    }

    /// Starts sending unhandled messages to a stream; call on the event loop.
    func makeMessageStream(eventLoop: any EventLoop) -> FrontendMessageStream {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let sequence = FrontendMessageStream.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 16, highWatermark: 64),
            finishOnDeinit: true,
            delegate: FrontendMessageStream.Delegate(resume: {
                eventLoop.execute { loopBound.value.resumeReading() }
            })
        )
        messageSource = sequence.source
        return FrontendMessageStream(producer: sequence.sequence)
    }

    private func resumeReading() {
        guard isMessageStreamFull, let context else { return }
        isMessageStreamFull = false
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        processUnprocessedBytes()
    }

    /// A message no hook handled: to the stream if there is one, else answered with an error.
    private func deliverUnhandled(_ message: FrontendMessage) {
        if let responder = hooks.queryResponder {
            if querySession == nil {
                let parameters = stateMachine.connectionState.clientInfo?.parameters ?? []
                querySession = QuerySession(
                    responder: responder,
                    settings: Dictionary(
                        parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                )
            }
            // Like PostgreSQL, extended-protocol replies wait for Sync or Flush: one packet per round trip.
            let flush: Bool
            switch message {
            case .query, .sync, .flush: flush = true
            default: flush = false
            }
            write(querySession!.handle(message), flush: flush)
            return
        }
        guard let messageSource, let context else {
            answerUnhandled(message)
            return
        }
        if messageSource.yield(message) == .stopProducing {
            isMessageStreamFull = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    private func answerUnhandled(_ message: FrontendMessage) {
        let error = DiagnosticMessage(
            severity: "ERROR",
            sqlState: SQLState.featureNotSupported.rawValue,
            message: "pgw: no handler for \(message.typeName)"
        )
        var replies: [BackendMessage] = [.errorResponse(error)]
        switch message {
        case .query, .sync: replies.append(.readyForQuery(.idle))
        case .flush: replies = []
        default: break
        }
        write(replies, flush: true)
    }

    private func startTLS(context: ChannelHandlerContext, replaying bytes: ByteBuffer?) {
        guard let tls = configuration.tls else { return }
        decoder = FrontendMessageDecoder(maximumMessageLength: configuration.maximumMessageLength)
        do {
            let handler =
                switch tls {
                case .context(let serverContext): try TLSHandler(serverContext: serverContext)
                case .perServerName(let provider): try TLSHandler(serverContextProvider: provider)
                }
            try context.pipeline.syncOperations.addHandler(handler, position: .before(self))
        } catch {
            close()
            return
        }
        if let bytes, bytes.readableBytes > 0 {
            context.pipeline.fireChannelRead(bytes)
        }
    }

    // MARK: Helpers

    /// Writes messages, letting the decoder see them (authentication requests decide what `p` messages are);
    /// `flush` also sends what earlier writes queued.
    func write(_ messages: [BackendMessage], flush: Bool) {
        guard let context else { return }
        if !messages.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: 256)
            for message in messages {
                decoder.observe(message)
                message.encode(into: &buffer)
            }
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        if flush { context.flush() }
    }

    /// Runs `body` off the event loop with client input paused, then `completion` back on the event loop.
    /// A hook that throws closes the connection with an internal error.
    private func runHook<Result: Sendable>(
        _ body: @escaping @Sendable () async throws -> Result,
        then completion: @escaping (Result) -> Void
    ) {
        guard let context else { return }
        isRunningHook = true
        let eventLoop = context.eventLoop
        let promise = eventLoop.makePromise(of: Result.self)
        promise.completeWithTask(body)
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.isRunningHook = false
            switch result {
            case .success(let value):
                completion(value)
                self.processUnprocessedBytes()
            case .failure:
                let error = DiagnosticMessage(
                    severity: "FATAL", sqlState: SQLState.internalError.rawValue,
                    message: "internal error in a pgw hook")
                self.write([.errorResponse(error)], flush: true)
                self.close()
            }
        }
    }

    private func close() {
        guard !isClosed, let context else { return }
        isClosed = true
        stateMachine.closed()
        context.close(promise: nil)
    }
}
