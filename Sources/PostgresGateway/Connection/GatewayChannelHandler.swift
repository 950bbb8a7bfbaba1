import Logging
import NIOCore
import PostgresAuthentication
import PostgresTLS
import PostgresWire

/// Drives a ``ConnectionStateMachine`` on a channel: decodes client bytes, performs the machine's actions,
/// runs hooks off the event loop and feeds their results back.
///
/// It is the connection's one write path: every backend message, whether from the state machine, the query
/// session or a hook (through ``PostgresServerConnection``), is written here, so the decoder sees what the server said.
/// Reads follow the reader: the handler holds back `read()` while the client does not take its replies (the
/// channel is not writable), while a hook runs, while the message stream's consumer lags and while a long simple
/// query is being answered in steps.
final class GatewayChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Bytes from the client.
    typealias InboundIn = ByteBuffer
    /// Bytes written from further along the pipeline, passed on unchanged.
    typealias OutboundIn = ByteBuffer
    /// Bytes to the client.
    typealias OutboundOut = ByteBuffer

    /// How many statements of a simple query are answered between checks of writability and time.
    private static let statementsPerStep = 64
    /// How long a simple query is answered before the event loop is left to other connections.
    private static let stepTimeBudget = TimeAmount.milliseconds(20)

    private var stateMachine: ConnectionStateMachine
    private var decoder: FrontendMessageDecoder
    /// Client bytes received but not yet decoded; read bytes are discarded as it is consumed.
    private var unprocessed = ByteBuffer()
    private let configuration: PostgresServerConnectionConfiguration
    private let hooks: PostgresServerConnectionHooks
    private let connection: PostgresServerConnection
    private let admission: ConnectionAdmission?
    /// Where the session's cancel key is registered once authenticated, and where CancelRequests are passed on.
    private let cancelRegistry: CancelRegistry?
    /// The session's registration in ``cancelRegistry``, until the connection closes.
    private var cancelRegistration: (number: Int, processID: Int32)?
    /// The end of a scripted delay the query session waits for.
    private var delayTimer: Scheduled<Void>?
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var startupTimeout: Scheduled<Void>?
    private var authenticationTimeout: Scheduled<Void>?
    /// True while a hook runs: client bytes are buffered, not decoded.
    private var isRunningHook = false
    /// Where unhandled messages go once ``makeMessageStream(eventLoop:)`` was called.
    private var messageSource: MessageStream<FrontendMessage>.Producer.Source?
    /// Answers unhandled messages when the hooks have a query responder; made at the first such message.
    private var querySession: QuerySession?
    /// What the query session is doing, noted after every call into it (``withQuerySession(_:)``): reading it
    /// through the optional would copy the whole session each time.
    private var sessionState = SessionState()

    /// The query session's state that decides how the handler goes on.
    private struct SessionState {
        /// Whether there is a query session.
        var exists = false
        /// Whether a simple query is being answered in steps.
        var isAnswering = false
        /// How long the statement that waits for its delay waits.
        var delay: TimeAmount?
        /// Whether a COPY FROM STDIN takes the client's data.
        var isCopying = false
        /// Whether an outcome asked for the connection to be closed.
        var closesConnection = false
    }
    /// True while a continuation of a long simple query is scheduled on the event loop.
    private var isQueryStepScheduled = false
    /// True while the decoding of buffered client messages is to go on in a later round of the event loop (after
    /// ``stepTimeBudget``); no more bytes are read until then.
    private var isInputStepScheduled = false
    /// True while a flush waits for the end of the event loop's round (``flushAtEndOfRound()``).
    private var isFlushScheduled = false
    /// True while the message stream's consumer lags.
    private var isMessageStreamFull = false
    /// True while the input loop runs: writes then flush after it, at the end of the event loop's round.
    private var isProcessingInput = false
    /// A `read()` the handler held back; issued when input may flow again.
    private var hasPendingRead = false
    /// Encoded replies not handed to the channel yet: replies written without a promise gather here until the
    /// next flush, so an exchange such as Bind, Execute, Sync goes out as one buffer. The query session answers
    /// into it directly, so a result set asked for again is copied from its encoded bytes.
    private var outbound = EncodedReplies()
    /// Bytes written and not yet flushed (``outbound``'s included), and whether a reply asked to be flushed.
    private var unflushedBytes = 0
    private var needsFlush = false
    /// Follows bytes sent with ``PostgresServerConnection/sendData(_:)``, so the decoder learns of messages in them.
    private var sentBytesDecoder = BackendMessageDecoder(infersPeerContext: true)
    private var sentBytes = ByteBuffer()
    private var isClosed = false
    /// Why the connection ended, for the log; the first reason wins.
    private var closeReason: String?
    /// Whether the server refused the client with a FATAL (credentials, `sorry, too many clients already`, TLS
    /// required…) or the connection failed (a TLS handshake or socket error): logged at info level, as PostgreSQL
    /// logs such connections, while clients that just go away before authenticating (scanners, health checks,
    /// stalled sockets) are logged at debug level.
    private var wasRefused = false
    private let openedAt = NIODeadline.now()
    /// Whether the client sent any bytes.
    private var clientSentBytes = false
    /// Whether the connection reached the `onStartup` hook or was a CancelRequest; when it closes without either,
    /// `onSessionlessEnd` is told.
    private var hadSession = false
    /// The FATAL the client was refused with before a session, for `onSessionlessEnd`.
    private var refusal: DiagnosticMessage?

    /// A handler serving `connection` with `configuration` and `hooks`; `admission`, if any, limits sessions.
    init(
        configuration: PostgresServerConnectionConfiguration,
        hooks: PostgresServerConnectionHooks,
        connection: PostgresServerConnection,
        admission: ConnectionAdmission?,
        cancelRegistry: CancelRegistry?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.hooks = hooks
        self.connection = connection
        self.admission = admission
        self.cancelRegistry = cancelRegistry
        self.logger = logger
        self.decoder = FrontendMessageDecoder(
            maximumMessageLength: min(configuration.maximumStartupMessageLength, configuration.maximumMessageLength))
        self.stateMachine = ConnectionStateMachine(
            configuration: .init(
                authenticationMode: configuration.authenticationMode,
                isTLSConfigured: configuration.tls != nil,
                requiresTLS: configuration.requiresTLS,
                requiresClientCertificate: configuration.requiresClientCertificate,
                serverParameters: configuration.reportedParameters,
                loginParameters: configuration.loginParameters,
                mockAuthenticationNonce: configuration.mockAuthenticationNonce,
                negotiatesProtocolVersion: configuration.negotiatesProtocolVersion
            )
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress { logger[metadataKey: "pgw.client"] = "\(remote.hostAndPort)" }
        logger.debug("connection accepted")
        let loop = context.eventLoop.assumeIsolated()
        startupTimeout = loop.scheduleTask(in: configuration.startupTimeout) {
            self.closeReason = self.closeReason ?? "no startup packet within \(self.configuration.startupTimeout)"
            self.perform(self.stateMachine.startupTimeoutFired())
        }
        authenticationTimeout = loop.scheduleTask(in: configuration.authenticationTimeout) {
            self.closeReason = self.closeReason ?? "authentication timeout"
            self.perform(self.stateMachine.timeoutFired())
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        startupTimeout?.cancel()
        authenticationTimeout?.cancel()
        endSession()
        self.context = nil
        if outbound.buffer.readableBytes > 0 {
            context.write(wrapOutboundOut(outbound.buffer), promise: nil)
            outbound.buffer = ByteBuffer()
        }
        // A flush that waited for the end of the round goes out now.
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        // Detached: whoever takes the channel over reads from now on, so pass on a read held back.
        if hasPendingRead {
            hasPendingRead = false
            context.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        clientSentBytes = true
        if unprocessed.readableBytes == 0 {
            unprocessed = bytes
        } else {
            unprocessed.writeBuffer(&bytes)
        }
        processInput()
    }

    func channelInactive(context: ChannelHandlerContext) {
        messageSource?.finish()
        if !isClosed {
            isClosed = true
            closeReason = closeReason ?? "client disconnected"
        }
        stateMachine.closed()
        startupTimeout?.cancel()
        authenticationTimeout?.cancel()
        endSession()
        logClose()
        if !hadSession, let hook = hooks.onSessionlessEnd {
            connection.update(stateMachine.connectionState)
            hook(
                connection,
                SessionlessEnd(
                    reason: closeReason ?? "closed", refusal: refusal, clientSentBytes: clientSentBytes,
                    openedAt: openedAt))
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resume() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let completed = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let info = completed.info
        logger.debug(
            "TLS established",
            metadata: [
                "pgw.tls.version": "\(completed.info.protocolVersion)", "pgw.tls.sni": "\(info.serverName ?? "")",
            ]
        )
        perform(stateMachine.tlsHandshakeCompleted(info))
        connection.update(stateMachine.connectionState)
        if let hook = hooks.onTLSUpgrade {
            runHook("onTLSUpgrade") { [connection] in
                try await hook(connection)
            } then: { _ in
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // TLS failures and socket errors end the connection; nothing sensible can be sent in plaintext.
        if !isClosed { wasRefused = true }
        close(reason: "\(error)")
    }

    func read(context: ChannelHandlerContext) {
        // Once closing, reads go on: TLS must read the client's close_notify to finish its shutdown.
        if canProcessInput || isClosed {
            context.read()
        } else {
            hasPendingRead = true
        }
    }

    /// Bytes received but not yet decoded, handed over by ``PostgresServerConnection/detach()``.
    func takeUnprocessedBytes() -> ByteBuffer {
        defer { unprocessed = ByteBuffer() }
        return unprocessed
    }

    // MARK: Input

    /// Whether client messages may be decoded and acted on now.
    private var canProcessInput: Bool {
        guard let context, !isClosed else { return false }
        return !isInputStepScheduled && !isRunningHook && !isMessageStreamFull && !sessionState.isAnswering
            && sessionState.delay == nil && context.channel.isWritable
    }

    /// Continues after whatever held input back (a hook, the stream's consumer, writability, a query step).
    private func resume() {
        guard context != nil, !isClosed else { return }
        if sessionState.isAnswering {
            answerSimpleQuery()
        }
        processInput()
    }

    /// Decodes and acts on buffered client messages while nothing holds input back, then flushes the replies
    /// and issues a held-back read if input may flow. After ``stepTimeBudget``, the rest waits for a later round of
    /// the event loop, so that a client pipelining slow statements (a script's regular expression that runs to its
    /// time limit) does not hold the other connections of the loop.
    private func processInput() {
        isProcessingInput = true
        let deadline = NIODeadline.now() + Self.stepTimeBudget
        var isFirst = true
        while canProcessInput && unprocessed.readableBytes > 0 {
            // At least one message goes each time, so the input always moves on.
            if !isFirst && NIODeadline.now() > deadline, let context {
                // A task for later, not `execute`: the loop runs ready tasks before it polls its sockets again.
                isInputStepScheduled = true
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(1)) {
                    self.isInputStepScheduled = false
                    self.resume()
                }
                break
            }
            isFirst = false
            if decoder.phase == .startup && unprocessed.readableBytesView.first == 0x16 {
                perform(stateMachine.directTLSReceived())
                break
            }
            // The message's bytes are kept for an onMessage hook only.
            let before = hooks.onMessage == nil ? nil : unprocessed
            let message: FrontendMessage
            do {
                guard let decoded = try decoder.decode(from: &unprocessed) else {
                    if decoder.isWaitingForPeer, let typeByte = unprocessed.readableBytesView.first {
                        // A `p` the server did not ask for: no authentication request is pending.
                        perform(stateMachine.unexpectedMessageType(typeByte))
                    }
                    break
                }
                message = decoded
            } catch {
                let action = stateMachine.decodingFailed(error, typeByte: unprocessed.readableBytesView.first)
                if case .rejectMessage = action {
                    skipMessage()
                    perform(action)
                    continue
                }
                perform(action)
                break
            }
            let raw =
                before.map { $0.getSlice(at: $0.readerIndex, length: unprocessed.readerIndex - $0.readerIndex)! }
                ?? ByteBuffer()
            perform(stateMachine.messageReceived(message, hasUnprocessedBytes: unprocessed.readableBytes > 0), raw: raw)
        }
        isProcessingInput = false
        compactInput()
        flushAtEndOfRound()
        if hasPendingRead && canProcessInput, let context {
            hasPendingRead = false
            context.read()
        }
    }

    /// Skips the whole typed message at the start of ``unprocessed`` (one the decoder could frame but not read).
    private func skipMessage() {
        guard let length = unprocessed.getInteger(at: unprocessed.readerIndex + 1, as: Int32.self) else { return }
        unprocessed.moveReaderIndex(forwardBy: 1 + Int(length))
        decoder = FrontendMessageDecoder(
            phase: .messages, streamOffset: decoder.streamOffset + 1 + Int(length),
            maximumMessageLength: configuration.maximumMessageLength)
    }

    /// Drops consumed bytes, so a stream of any length is buffered in memory bounded by one message; once a long
    /// message's header is in (its length checked by the decoder), makes room for exactly the rest of it, so it
    /// is not buffered in a capacity doubled past its size.
    private func compactInput() {
        if unprocessed.readableBytes == 0 {
            unprocessed = ByteBuffer()
            return
        }
        if unprocessed.readerIndex >= unprocessed.readableBytes {
            unprocessed.discardReadBytes()
        }
        if decoder.phase == .messages, unprocessed.readableBytes >= 5,
            let length = unprocessed.getInteger(at: unprocessed.readerIndex + 1, as: Int32.self), length > 0
        {
            let missing = Int(length) + 1 - unprocessed.readableBytes
            if missing > unprocessed.writableBytes {
                unprocessed.reserveCapacity(minimumWritableBytes: missing)
            }
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
            flushIfNeeded()
            startTLS(context: context, replaying: nil)
        case .startDirectTLS:
            startTLS(context: context, replaying: takeUnprocessedBytes())
        case .checkAdmission:
            startupTimeout?.cancel()
            let admitted = admission?.admit(context.channel) ?? true
            perform(stateMachine.admissionDecided(admitted))
        case .runStartupHook(let messages):
            hadSession = true
            write(messages, flush: true)
            let state = stateMachine.connectionState
            connection.update(state)
            logger[metadataKey: "pgw.user"] = "\(state.clientInfo?.user ?? "")"
            logger[metadataKey: "pgw.database"] = "\(state.clientInfo?["database"] ?? state.clientInfo?.user ?? "")"
            guard let hook = hooks.onStartup else {
                perform(stateMachine.startupHookCompleted(handled: false))
                return
            }
            runHook("onStartup") { [connection] in
                try await hook(connection)
            } then: { handled in
                if handled { self.enterMessagePhase() }
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
            runHook("validateCredentials") { [connection] in
                try await hook(credentials, connection)
            } then: { valid in
                self.perform(self.stateMachine.credentialsValidated(valid))
            }
        case .fetchSCRAMVerifier(let user):
            guard let hook = hooks.scramVerifier else {
                perform(stateMachine.scramVerifierFetched(nil))
                return
            }
            runHook("scramVerifier") { [connection] in
                try await hook(user, connection)
            } then: { verifier in
                self.perform(
                    self.stateMachine.scramVerifierFetched(verifier.flatMap { try? SCRAMVerifier(parsing: $0) }))
            }
        case .authenticated(let messages):
            authenticationTimeout?.cancel()
            enterMessagePhase()
            connection.update(stateMachine.connectionState)
            registerCancelKey(context: context)
            write(messages, flush: true)
            logger.info("connection authorized")
            if let hook = hooks.onAuthenticated {
                runHook("onAuthenticated") { [connection] in
                    try await hook(connection)
                } then: { _ in
                }
            }
        case .deliver(let message):
            guard let hook = hooks.onMessage else {
                deliverUnhandled(message)
                return
            }
            runHook("onMessage") { [connection] in
                try await hook(message, raw, connection)
            } then: { handled in
                if !handled { self.deliverUnhandled(message) }
            }
        case .cancel(let request):
            hadSession = true
            closeReason = "cancel request"
            cancelRegistry?.cancel(request)
            guard let hook = hooks.onCancelRequest else {
                close(reason: "cancel request")
                return
            }
            runHook("onCancelRequest") { [connection] in
                await hook(request, connection)
            } then: { _ in
                self.close(reason: "cancel request")
            }
        case .rejectMessage(let typeByte, let diagnostic):
            var answered = false
            if sessionState.exists || makeQuerySession() {
                answer(flush: true) { answered = $0.rejectMalformed(typeByte: typeByte, diagnostic, into: &$1) }
            }
            guard answered else {
                // No query session to go on with (or a COPY in progress): the error ends the connection.
                stateMachine.closed()
                perform(
                    .closeWithError(
                        DiagnosticMessage(
                            severity: "FATAL", sqlState: diagnostic.sqlState ?? "08P01",
                            message: diagnostic.message ?? "")))
                return
            }
        case .closeWithError(let diagnostic):
            wasRefused = true
            refusal = refusal ?? diagnostic
            write([.errorResponse(diagnostic)], flush: true)
            close(reason: "\(diagnostic.severity ?? "ERROR") \(diagnostic.sqlState ?? ""): \(diagnostic.message ?? "")")
        case .close:
            close(reason: closeReason ?? "client terminated")
        }
    }

    /// From authentication on, messages may be as long as the configuration allows.
    private func enterMessagePhase() {
        decoder = FrontendMessageDecoder(phase: .messages, maximumMessageLength: configuration.maximumMessageLength)
    }

    /// Starts sending unhandled messages to a stream; call on the event loop.
    func makeMessageStream(eventLoop: any EventLoop) -> MessageStream<FrontendMessage> {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let (stream, source) = MessageStream<FrontendMessage>.makeProducer(resume: {
            eventLoop.execute {
                let handler = loopBound.value
                guard handler.isMessageStreamFull else { return }
                handler.isMessageStreamFull = false
                handler.resume()
            }
        })
        messageSource = source
        return stream
    }

    /// A message no hook handled: to the query session or the stream if there is one, else answered with an error.
    private func deliverUnhandled(_ message: FrontendMessage) {
        // The responder is looked at once, not copied per message.
        if sessionState.exists || makeQuerySession() {
            if case .query(let query) = message, !sessionState.isCopying {
                withQuerySession { $0.startSimpleQuery(query.text) }
                answerSimpleQuery()
                return
            }
            // Like PostgreSQL, extended-protocol replies wait for Sync or Flush (or a full send buffer).
            let flush: Bool
            switch message {
            case .sync, .flush, .functionCall, .copyDone, .copyFail, .query: flush = true
            default: flush = false
            }
            answer(flush: flush) { $0.handle(message, into: &$1) }
            continueQuerySession()
            return
        }
        guard let messageSource else {
            answerUnhandled(message)
            return
        }
        if messageSource.yield(message) == .stopProducing {
            isMessageStreamFull = true
        }
    }

    /// Makes the query session at the first message no hook handled; whether there is one (the hooks have a query
    /// responder).
    private func makeQuerySession() -> Bool {
        guard let responder = hooks.queryResponder else { return false }
        let parameters = stateMachine.connectionState.clientInfo?.parameters ?? []
        querySession = QuerySession(
            responder: responder,
            settings: Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
            reportedParameters: stateMachine.connectionState.clientInfo.map {
                configuration.reportedParameters(user: $0.user, database: $0.database)
            } ?? configuration.reportedParameters,
            processID: stateMachine.connectionState.backendKeyData?.processID
        )
        sessionState.exists = true
        return true
    }

    /// Answers the pending simple query in steps: while the client takes the replies, and for at most
    /// ``stepTimeBudget`` at a time before other connections on the event loop get their turn.
    private func answerSimpleQuery() {
        guard let context else { return }
        let deadline = NIODeadline.now() + Self.stepTimeBudget
        while sessionState.isAnswering && context.channel.isWritable && !isClosed {
            answer(flush: true) { $0.continueSimpleQuery(maximumStatements: Self.statementsPerStep, into: &$1) }
            if sessionState.isAnswering && NIODeadline.now() > deadline {
                flushIfNeeded()
                guard !isQueryStepScheduled else { return }
                isQueryStepScheduled = true
                context.eventLoop.assumeIsolated().execute {
                    self.isQueryStepScheduled = false
                    self.resume()
                }
                return
            }
        }
        flushAtEndOfRound()
        continueQuerySession()
    }

    /// After the query session answered: closes the connection when an outcome asked for it, and starts the
    /// timer of a statement that waits for its delay.
    private func continueQuerySession() {
        guard let context, !isClosed else { return }
        if sessionState.closesConnection {
            needsFlush = true
            close(reason: "a script rule closed the connection")
            return
        }
        guard let delay = sessionState.delay, delayTimer == nil else { return }
        delayTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.delayTimer = nil
            self.write(self.withQuerySession { $0.finishDelay() }, flush: true)
            self.continueQuerySession()
            self.resume()
        }
    }

    /// Lets the query session (which must exist) answer into ``outbound``, as ``write(_:flush:promise:)`` writes
    /// messages: the replies are dropped once the connection is closed, and flushed as `flush` says. Its replies
    /// are not observed by the decoder: they hold no SSLResponse or authentication request.
    private func answer(flush: Bool, _ body: (inout QuerySession, inout EncodedReplies) -> Void) {
        if outbound.buffer.readableBytes == 0 { outbound.buffer.reserveCapacity(512) }
        let start = outbound.buffer.writerIndex
        withQuerySession { body(&$0, &outbound) }
        guard context != nil, !isClosed else {
            outbound.buffer.moveWriterIndex(to: start)
            return
        }
        unflushedBytes += outbound.buffer.writerIndex - start
        if flush { needsFlush = true }
        flushWhenDue()
    }

    /// Calls into the query session (which must exist) in place and notes its state in ``sessionState``.
    private func withQuerySession<Result>(_ body: (inout QuerySession) -> Result) -> Result {
        var state = SessionState()
        let result = Self.call(body, on: &querySession!, noting: &state)
        sessionState = state
        return result
    }

    private static func call<Result>(
        _ body: (inout QuerySession) -> Result, on session: inout QuerySession, noting state: inout SessionState
    ) -> Result {
        let result = body(&session)
        state = SessionState(
            exists: true, isAnswering: session.isAnsweringSimpleQuery, delay: session.pendingDelay,
            isCopying: session.isReceivingCopyData, closesConnection: session.closesConnection)
        return result
    }

    /// Registers the session's cancel key (from BackendKeyData), so that a CancelRequest naming it reaches
    /// ``cancelRequested()`` on this event loop.
    private func registerCancelKey(context: ChannelHandlerContext) {
        guard let cancelRegistry, let key = stateMachine.connectionState.backendKeyData else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let number = cancelRegistry.register(key) {
            eventLoop.execute { handler.value.cancelRequested() }
        }
        cancelRegistration = (number, key.processID)
    }

    /// A CancelRequest named this session: the `onCancel` hook is told, and a statement the query session waits
    /// for (a delay, COPY FROM STDIN) fails with 57014.
    private func cancelRequested() {
        guard !isClosed else { return }
        logger.debug("cancel request for this session")
        if let hook = hooks.onCancel {
            Task { [connection] in await hook(connection) }
        }
        delayTimer?.cancel()
        delayTimer = nil
        guard sessionState.delay != nil || sessionState.isCopying else { return }
        let replies = withQuerySession { $0.cancelStatement() }
        write(replies, flush: true)
        continueQuerySession()
        resume()
    }

    /// The session is over: its cancel key is forgotten and a pending delay stops.
    private func endSession() {
        delayTimer?.cancel()
        delayTimer = nil
        if let (number, processID) = cancelRegistration {
            cancelRegistry?.unregister(number, processID: processID)
            cancelRegistration = nil
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
        case .query, .sync, .functionCall: replies.append(.readyForQuery(.idle))
        case .flush: replies = []
        default: break
        }
        write(replies, flush: true)
    }

    private func startTLS(context: ChannelHandlerContext, replaying bytes: ByteBuffer?) {
        guard let tls = configuration.tls else { return }
        decoder = FrontendMessageDecoder(maximumMessageLength: decoder.maximumMessageLength)
        do {
            let handler =
                switch tls {
                case .context(let serverContext):
                    try TLSHandler(serverContext: serverContext, shutdownTimeout: configuration.tlsShutdownTimeout)
                case .perServerName(let provider):
                    try TLSHandler(serverContextProvider: provider, shutdownTimeout: configuration.tlsShutdownTimeout)
                }
            try context.pipeline.syncOperations.addHandler(handler, position: .before(self))
        } catch {
            close(reason: "TLS setup failed: \(error)")
            return
        }
        if let bytes, bytes.readableBytes > 0 {
            context.pipeline.fireChannelRead(bytes)
        }
    }

    // MARK: Writing

    /// Writes messages, letting the decoder see them (authentication requests decide what `p` messages are).
    /// With `flush`, they are flushed when the current input has been processed (at once outside input
    /// processing); in any case when ``PostgresServerConnectionConfiguration/outboundFlushThreshold`` bytes wait.
    func write(_ messages: [BackendMessage], flush: Bool, promise: EventLoopPromise<Void>? = nil) {
        guard let context, !isClosed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard !messages.isEmpty else {
            // A Flush with nothing new still sends what earlier replies queued.
            if flush { needsFlush = true }
            if !isProcessingInput { flushIfNeeded() }
            promise?.succeed()
            return
        }
        guard promise == nil else {
            var buffer = context.channel.allocator.buffer(capacity: 256)
            for message in messages {
                decoder.observe(message)
                message.encode(into: &buffer)
            }
            writeEncoded(buffer, flush: flush, promise: promise)
            return
        }
        if outbound.buffer.readableBytes == 0 { outbound.buffer.reserveCapacity(512) }
        unflushedBytes += Self.encode(messages, into: &outbound.buffer, observedBy: &decoder)
        if flush { needsFlush = true }
        flushWhenDue()
    }

    /// Encodes `messages` into `buffer` for `decoder` to see; the number of bytes written. One access to each
    /// for all the messages (every access to a handler's property is checked at run time).
    private static func encode(
        _ messages: [BackendMessage], into buffer: inout ByteBuffer, observedBy decoder: inout FrontendMessageDecoder
    ) -> Int {
        let before = buffer.readableBytes
        for message in messages {
            decoder.observe(message)
            message.encode(into: &buffer)
        }
        return buffer.readableBytes - before
    }

    /// Writes bytes a hook encoded itself; messages in them are observed like ``write(_:flush:promise:)``'s.
    func writeRaw(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard context != nil, !isClosed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        sentBytes.writeImmutableBuffer(bytes)
        while let message = try? sentBytesDecoder.decode(from: &sentBytes) {
            decoder.observe(message)
        }
        if sentBytes.readableBytes == 0 { sentBytes = ByteBuffer() }
        writeEncoded(bytes, flush: true, promise: promise)
    }

    private func writeEncoded(_ buffer: ByteBuffer, flush: Bool, promise: EventLoopPromise<Void>?) {
        guard let context else { return }
        handOverOutbound()
        unflushedBytes += buffer.readableBytes
        context.write(wrapOutboundOut(buffer), promise: promise)
        if flush { needsFlush = true }
        flushWhenDue()
    }

    /// Flushes when ``PostgresServerConnectionConfiguration/outboundFlushThreshold`` bytes wait, or when a reply
    /// asked for it outside input processing (which flushes once after it).
    private func flushWhenDue() {
        if unflushedBytes >= configuration.outboundFlushThreshold {
            needsFlush = true
            flushIfNeeded()
        } else if !isProcessingInput {
            flushIfNeeded()
        }
    }

    /// Hands the gathered replies to the channel (without flushing).
    private func handOverOutbound() {
        guard outbound.buffer.readableBytes > 0, let context else { return }
        context.write(wrapOutboundOut(outbound.buffer), promise: nil)
        outbound.buffer = ByteBuffer()
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        unflushedBytes = 0
        handOverOutbound()
        context.flush()
    }

    /// Flushes once the event loop has served every connection whose input is ready in this round (its queued
    /// tasks run then): a reply then does not wake its client, which may take the core, while other clients'
    /// requests wait, and one round of requests costs one wake-up of each client thread.
    private func flushAtEndOfRound() {
        guard needsFlush, !isFlushScheduled, let context else { return }
        isFlushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.isFlushScheduled = false
            self.flushIfNeeded()
        }
    }

    // MARK: Hooks and closing

    /// Runs `body` off the event loop with client input paused, then `completion` back on the event loop.
    /// A hook that throws closes the connection with an internal error, and the error is logged.
    private func runHook<Result: Sendable>(
        _ name: String,
        _ body: @escaping @Sendable () async throws -> Result,
        then completion: @escaping (Result) -> Void
    ) {
        guard let context else { return }
        isRunningHook = true
        let promise = context.eventLoop.makePromise(of: Result.self)
        promise.completeWithTask(body)
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.isRunningHook = false
            switch result {
            case .success(let value):
                completion(value)
                self.resume()
            case .failure(let error):
                self.logger.error("hook \(name) failed", metadata: ["pgw.error": "\(error)"])
                let diagnostic = DiagnosticMessage(
                    severity: "FATAL", sqlState: SQLState.internalError.rawValue,
                    message: "internal error in a pgw hook")
                self.write([.errorResponse(diagnostic)], flush: true)
                self.close(reason: "hook \(name) failed: \(error)")
            }
        }
    }

    /// Sends `diagnostic` (FATAL 57P01 at shutdown) and closes once it is written, or after `timeout` when the
    /// client does not read.
    func terminate(with diagnostic: DiagnosticMessage, timeout: TimeAmount) {
        guard let context, !isClosed else { return }
        closeReason = "\(diagnostic.sqlState ?? ""): \(diagnostic.message ?? "")"
        let written = context.eventLoop.makePromise(of: Void.self)
        write([.errorResponse(diagnostic)], flush: true, promise: written)
        flushIfNeeded()
        let forced = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.closeReason = "\(self.closeReason ?? ""); forced after \(timeout) (client not reading)"
            self.close(reason: self.closeReason!)
        }
        written.futureResult.assumeIsolated().whenComplete { _ in
            forced.cancel()
            self.close(reason: self.closeReason ?? "terminated")
        }
    }

    private func close(reason: String) {
        guard !isClosed, let context else { return }
        isClosed = true
        closeReason = closeReason ?? reason
        stateMachine.closed()
        flushIfNeeded()
        context.close(promise: nil)
        if hasPendingRead {
            hasPendingRead = false
            context.read()
        }
    }

    private func logClose() {
        let milliseconds = (NIODeadline.now() - openedAt).nanoseconds / 1_000_000
        let level: Logger.Level =
            stateMachine.connectionState.isAuthenticated || wasRefused ? .info : .debug
        logger.log(
            level: level,
            "connection closed",
            metadata: [
                "pgw.reason": "\(closeReason ?? "closed")",
                "pgw.duration": "\(milliseconds) ms",
            ]
        )
    }
}
