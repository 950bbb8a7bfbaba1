import NIOCore

/// Runs TLS over a channel, as a server or as a client, with OpenSSL.
///
/// Add it when the connection switches to TLS: after answering `S` to an `SSLRequest`, when the first byte
/// is `0x16` (direct TLS), or after receiving `S` as a client. It may join an already active channel, and
/// any ClientHello bytes already read can simply be passed on to it with `fireChannelRead`. The handshake
/// starts at once; writes wait for it, and ``TLSHandshakeCompleted`` is fired inbound when it completes.
///
/// Closing sends `close_notify` and waits up to the shutdown timeout for the peer's; `close(mode: .output)`
/// sends `close_notify` and half-closes. A peer's `close_notify` closes the channel, or with
/// `allowRemoteHalfClosure` fires `ChannelEvent.inputClosed`. Failures are fired as ``TLSError``s, after
/// which the channel is closed. Renegotiation is refused.
public final class TLSHandler: ChannelDuplexHandler {
    /// Ciphertext from the network.
    public typealias InboundIn = ByteBuffer
    /// Plaintext for the handlers after this one.
    public typealias InboundOut = ByteBuffer
    /// Plaintext to encrypt.
    public typealias OutboundIn = ByteBuffer
    /// Ciphertext for the network.
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case awaitingServerContext
        case active
        /// The peer has sent `close_notify` (or ended its side of TCP); we may still write.
        case inputClosed
        /// We have sent `close_notify` for a half-closure; we may still read.
        case outputClosed
        /// We have sent `close_notify` and wait for the peer's until the timer fires.
        case closing(Scheduled<Void>)
        case closed
    }

    private typealias PendingWrite = (data: ByteBuffer, promise: EventLoopPromise<Void>?)

    private let connection: TLSConnection
    private let serverContextProvider: TLSServerContextProvider?
    private let shutdownTimeout: TimeAmount
    private var state = State.idle
    private var storedContext: ChannelHandlerContext?
    private var pendingWrites = MarkedCircularBuffer<PendingWrite>(initialCapacity: 16)
    private var outputCloseRequested = false
    private var outputClosePromise: EventLoopPromise<Void>?
    private var closePromise: EventLoopPromise<Void>?
    private var deliveredSinceReadComplete = false

    /// The facts of the handshake once it has completed. Read it on the channel's event loop only.
    public private(set) var connectionInfo: TLSConnectionInfo?

    private init(
        connection: TLSConnection, serverContextProvider: TLSServerContextProvider?, shutdownTimeout: TimeAmount
    ) {
        self.connection = connection
        self.serverContextProvider = serverContextProvider
        self.shutdownTimeout = shutdownTimeout
    }

    /// A server handler presenting `serverContext` to every client.
    public convenience init(serverContext: TLSServerContext, shutdownTimeout: TimeAmount = .seconds(5))
        throws(TLSError)
    {
        self.init(
            connection: try .server(serverContext), serverContextProvider: nil, shutdownTimeout: shutdownTimeout)
    }

    /// A server handler that asks `serverContextProvider` for the context to present, by the server name the
    /// client sent (SNI), once the ClientHello has arrived.
    public convenience init(
        serverContextProvider: @escaping TLSServerContextProvider, shutdownTimeout: TimeAmount = .seconds(5)
    ) throws(TLSError) {
        self.init(
            connection: try .serverSelectingContext(), serverContextProvider: serverContextProvider,
            shutdownTimeout: shutdownTimeout)
    }

    /// A client handler for `clientContext`, sending and (with `verify-full`) checking `serverName`, which
    /// defaults to the configuration's.
    public convenience init(
        clientContext: TLSClientContext, serverName: String? = nil, shutdownTimeout: TimeAmount = .seconds(5)
    ) throws(TLSError) {
        let name = serverName ?? clientContext.configuration.serverName
        self.init(
            connection: try .client(clientContext, serverName: name), serverContextProvider: nil,
            shutdownTimeout: shutdownTimeout)
    }

    // MARK: Lifecycle

    /// Starts the handshake if the channel is already active.
    public func handlerAdded(context: ChannelHandlerContext) {
        storedContext = context
        if context.channel.isActive {
            startHandshake(context: context)
        }
    }

    /// Drops everything still pending.
    public func handlerRemoved(context: ChannelHandlerContext) {
        if case .closing(let timer) = state {
            timer.cancel()
        }
        state = .closed
        failPendingWork(ChannelError.ioOnClosedChannel)
        storedContext = nil
    }

    /// Starts the handshake.
    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    /// Reports a connection lost before the handshake completed, or without `close_notify`.
    public func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .handshaking, .awaitingServerContext:
            context.fireErrorCaught(TLSError.connectionClosedDuringHandshake)
        case .active, .outputClosed:
            context.fireErrorCaught(TLSError.uncleanShutdown)
        case .closing(let timer):
            timer.cancel()
        case .idle, .inputClosed, .closed:
            break
        }
        state = .closed
        let promise = closePromise
        closePromise = nil
        promise?.succeed()
        failPendingWork(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    // MARK: Inbound

    /// Decrypts ciphertext, or feeds it to the handshake.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let error = connection.receive(unwrapInboundIn(data)) {
            fail(error, context: context)
            return
        }
        switch state {
        case .handshaking:
            advanceHandshake(context: context)
        case .active, .outputClosed, .closing:
            decrypt(context: context)
        case .idle, .awaitingServerContext, .inputClosed, .closed:
            break
        }
    }

    /// Passes on read-complete after delivering plaintext; otherwise asks for more if auto-read is off.
    public func channelReadComplete(context: ChannelHandlerContext) {
        if deliveredSinceReadComplete {
            deliveredSinceReadComplete = false
            context.fireChannelReadComplete()
        } else if (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) == false {
            context.read()
        }
    }

    /// Handles the end of the peer's TCP stream.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch state {
        case .handshaking, .awaitingServerContext:
            fail(TLSError.connectionClosedDuringHandshake, context: context)
        case .active:
            state = .inputClosed
            context.fireErrorCaught(TLSError.uncleanShutdown)
            context.fireUserInboundEventTriggered(event)
        case .outputClosed:
            context.fireErrorCaught(TLSError.uncleanShutdown)
            finishClosing(context: context)
        case .closing:
            finishClosing(context: context)
        case .inputClosed:
            break
        case .idle, .closed:
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Outbound

    /// Queues plaintext; it is encrypted on flush once the handshake has completed.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        case .outputClosed, .closing:
            promise?.fail(ChannelError.outputClosed)
        case .idle, .handshaking, .awaitingServerContext, .active, .inputClosed:
            if outputCloseRequested {
                promise?.fail(ChannelError.outputClosed)
            } else {
                pendingWrites.append((unwrapOutboundIn(data), promise))
            }
        }
    }

    /// Encrypts and sends the queued plaintext, or marks it to be once the handshake has completed.
    public func flush(context: ChannelHandlerContext) {
        pendingWrites.mark()
        switch state {
        case .active, .inputClosed:
            encryptPendingWrites(context: context)
        case .idle, .handshaking, .awaitingServerContext, .outputClosed, .closing, .closed:
            break
        }
    }

    /// Sends `close_notify` and then closes all of the channel or only its output.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all: closeAll(context: context, promise: promise)
        case .output: closeOutput(context: context, promise: promise)
        case .input: promise?.fail(ChannelError.operationUnsupported)
        }
    }

    private func closeAll(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        switch state {
        case .idle, .handshaking, .awaitingServerContext, .closed:
            state = .closed
            failPendingWork(ChannelError.ioOnClosedChannel)
            context.close(promise: promise)
        case .active, .outputClosed, .inputClosed:
            let inputClosed = if case .inputClosed = state { true } else { false }
            failPendingWork(ChannelError.ioOnClosedChannel)
            closePromise = promise
            state = .closing(scheduleShutdownTimeout(context: context))
            let finished = connection.shutdown()
            flushCiphertext(context: context)
            if finished || inputClosed {
                finishClosing(context: context)
            }
        case .closing:
            if let promise {
                if let closePromise {
                    closePromise.futureResult.cascade(to: promise)
                } else {
                    closePromise = promise
                }
            }
        }
    }

    private func closeOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        switch state {
        case .idle, .outputClosed, .closed:
            context.close(mode: .output, promise: promise)
        case .handshaking, .awaitingServerContext:
            outputCloseRequested = true
            if let promise {
                if let outputClosePromise {
                    outputClosePromise.futureResult.cascade(to: promise)
                } else {
                    outputClosePromise = promise
                }
            }
        case .active:
            pendingWrites.mark()
            encryptPendingWrites(context: context)
            sendCloseNotify(context: context, promise: promise)
        case .inputClosed, .closing:
            closeAll(context: context, promise: promise)
        }
    }

    private func sendCloseNotify(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard case .active = state else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        state = .outputClosed
        outputCloseRequested = false
        _ = connection.shutdown()
        flushCiphertext(context: context)
        context.close(mode: .output, promise: promise)
    }

    // MARK: Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .handshaking
        advanceHandshake(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .inProgress:
            flushCiphertext(context: context)
        case .needsServerContext(let serverName):
            state = .awaitingServerContext
            requestServerContext(for: serverName, context: context)
        case .complete:
            completeHandshake(context: context)
        case .failed(let error):
            flushCiphertext(context: context)
            fail(error, context: context)
        }
    }

    private func requestServerContext(for serverName: String?, context: ChannelHandlerContext) {
        guard let provider = serverContextProvider else { return }
        context.eventLoop.makeFutureWithTask { try await provider(serverName) }
            .assumeIsolated()
            .whenComplete { result in
                guard case .awaitingServerContext = self.state, let context = self.storedContext else { return }
                self.connection.selectServerContext(result)
                self.state = .handshaking
                self.advanceHandshake(context: context)
            }
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        state = .active
        flushCiphertext(context: context)
        let info = connection.info()
        connectionInfo = info
        context.fireUserInboundEventTriggered(TLSHandshakeCompleted(info))
        decrypt(context: context)
        encryptPendingWrites(context: context)
        if outputCloseRequested {
            let promise = outputClosePromise
            outputClosePromise = nil
            sendCloseNotify(context: context, promise: promise)
        }
    }

    // MARK: Data

    private func decrypt(context: ChannelHandlerContext) {
        // Plaintext is never longer than the ciphertext it came in, so this is usually the only allocation.
        var plaintext = context.channel.allocator.buffer(capacity: connection.pendingInputCount)
        var closeNotifyReceived = false
        var failure: TLSError?
        reading: while connection.hasPendingInput {
            switch connection.read(into: &plaintext) {
            case .bytes: continue
            case .wouldBlock: break reading
            case .closeNotify: closeNotifyReceived = true
            case .failed(let error): failure = error
            }
            break reading
        }
        if plaintext.readableBytes > 0 {
            deliveredSinceReadComplete = true
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
        flushCiphertext(context: context)
        if let failure {
            fail(failure, context: context)
        } else if closeNotifyReceived {
            peerSentCloseNotify(context: context)
        }
    }

    private func peerSentCloseNotify(context: ChannelHandlerContext) {
        switch state {
        case .active:
            let halfClosureAllowed =
                (try? context.channel.syncOptions?.getOption(ChannelOptions.allowRemoteHalfClosure)) ?? false
            if halfClosureAllowed {
                state = .inputClosed
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            } else {
                closeAll(context: context, promise: nil)
            }
        case .outputClosed, .closing:
            _ = connection.shutdown()
            finishClosing(context: context)
        case .idle, .handshaking, .awaitingServerContext, .inputClosed, .closed:
            break
        }
    }

    private func encryptPendingWrites(context: ChannelHandlerContext) {
        guard pendingWrites.hasMark else { return }
        var promises: [EventLoopPromise<Void>] = []
        var wrote = false
        while pendingWrites.hasMark, let (buffer, promise) = pendingWrites.popFirst() {
            var data = buffer
            while data.readableBytes > 0 {
                let count = min(data.readableBytes, Self.writeChunkSize)
                let failure = data.withUnsafeReadableBytes {
                    connection.write(UnsafeRawBufferPointer(rebasing: $0[..<count]))
                }
                if let failure {
                    promise?.fail(failure)
                    for promise in promises { promise.fail(failure) }
                    fail(failure, context: context)
                    return
                }
                data.moveReaderIndex(forwardBy: count)
                if connection.pendingOutputCount >= Self.writeChunkSize,
                    let ciphertext = connection.takeOutput(allocator: context.channel.allocator)
                {
                    context.write(wrapOutboundOut(ciphertext), promise: nil)
                    wrote = true
                }
            }
            promise.map { promises.append($0) }
        }
        let promise = Self.combine(promises, on: context.eventLoop)
        if let ciphertext = connection.takeOutput(allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(ciphertext), promise: promise)
            wrote = true
        } else if let promise {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: promise)
            wrote = true
        }
        if wrote {
            context.flush()
        }
    }

    /// How much plaintext goes to OpenSSL at once, and how much ciphertext may gather before it is passed on.
    private static let writeChunkSize = 64 * 1024

    private static func combine(_ promises: [EventLoopPromise<Void>], on eventLoop: EventLoop) -> EventLoopPromise<
        Void
    >? {
        guard promises.count > 1 else { return promises.first }
        let combined = eventLoop.makePromise(of: Void.self)
        combined.futureResult.whenComplete { result in
            for promise in promises { promise.completeWith(result) }
        }
        return combined
    }

    private func flushCiphertext(context: ChannelHandlerContext) {
        if let ciphertext = connection.takeOutput(allocator: context.channel.allocator) {
            context.writeAndFlush(wrapOutboundOut(ciphertext), promise: nil)
        }
    }

    // MARK: Endings

    private func scheduleShutdownTimeout(context: ChannelHandlerContext) -> Scheduled<Void> {
        context.eventLoop.assumeIsolated().scheduleTask(in: shutdownTimeout) {
            guard case .closing = self.state, let context = self.storedContext else { return }
            context.fireErrorCaught(TLSError.shutdownTimedOut)
            self.finishClosing(context: context)
        }
    }

    private func finishClosing(context: ChannelHandlerContext) {
        if case .closing(let timer) = state {
            timer.cancel()
        }
        state = .closed
        failPendingWork(ChannelError.ioOnClosedChannel)
        let promise = closePromise
        closePromise = nil
        context.close(promise: promise)
    }

    private func fail(_ error: TLSError, context: ChannelHandlerContext) {
        if case .closing(let timer) = state {
            timer.cancel()
        }
        state = .closed
        context.fireErrorCaught(error)
        failPendingWork(error)
        let promise = closePromise
        closePromise = nil
        context.close(promise: promise)
    }

    private func failPendingWork(_ error: any Error) {
        while let write = pendingWrites.popFirst() {
            write.promise?.fail(error)
        }
        outputCloseRequested = false
        let promise = outputClosePromise
        outputClosePromise = nil
        promise?.fail(error)
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
