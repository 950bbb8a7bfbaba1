import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresWire

/// The server side of one PostgreSQL protocol connection on an accepted channel.
///
/// Create it with ``start(on:configuration:hooks:)`` when a client connects. It answers SSLRequest, upgrades to TLS,
/// authenticates the client and then hands every message to ``PostgresServerConnectionHooks/onMessage``; hooks answer
/// with ``send(_:)`` and friends, or ``detach()`` to take the raw channel.
public final class PostgresServerConnection: Sendable {
    /// The client's channel; ``detach()`` hands it out.
    let channel: any Channel
    /// The server's number for this connection, counting from 1 in the order clients connected, as its log lines
    /// carry it (`pgw.connection`); 0 for a connection served with ``start(on:configuration:hooks:cancelRegistry:logger:)``.
    public let number: Int
    private let stateBox = NIOLockedValueBox(ConnectionState())

    private init(channel: any Channel, number: Int) {
        self.channel = channel
        self.number = number
    }

    /// Serves the protocol on `channel`, which must be active and carry raw client bytes. `logger` gets the
    /// connection's events (opened, authorized, closed with the reason, hook failures). Connections that share
    /// `cancelRegistry` can cancel each other's statements with CancelRequest, as PostgreSQL's sessions can.
    public static func start(
        on channel: any Channel,
        configuration: PostgresServerConnectionConfiguration = PostgresServerConnectionConfiguration(),
        hooks: PostgresServerConnectionHooks = PostgresServerConnectionHooks(),
        cancelRegistry: CancelRegistry? = nil,
        logger: Logger = Logger(label: "pgw.gateway", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresServerConnection {
        try await channel.eventLoop.submit {
            try install(
                on: channel, number: 0, configuration: configuration, hooks: hooks, admission: nil,
                cancelRegistry: cancelRegistry, logger: logger)
        }.get()
    }

    /// Adds pgw's handler to `channel`'s pipeline, for the connection the server numbered `number`; call on its
    /// event loop.
    static func install(
        on channel: any Channel,
        number: Int,
        configuration: PostgresServerConnectionConfiguration,
        hooks: PostgresServerConnectionHooks,
        admission: ConnectionAdmission?,
        cancelRegistry: CancelRegistry?,
        logger: Logger
    ) throws -> PostgresServerConnection {
        let connection = PostgresServerConnection(channel: channel, number: number)
        let handler = GatewayChannelHandler(
            configuration: configuration, hooks: hooks, connection: connection, admission: admission,
            cancelRegistry: cancelRegistry, logger: logger)
        try channel.pipeline.syncOperations.addHandler(handler)
        return connection
    }

    /// The event loop the connection runs on: connect an upstream channel on it for ``pipe(to:prefix:)``.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// The client's address.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// The address the client connected to (the server's end of the connection).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// A snapshot of the connection's progress.
    public var state: ConnectionState { stateBox.withLockedValue { $0 } }

    /// Replaces the snapshot ``state`` returns; the handler calls it as the connection progresses.
    func update(_ state: ConnectionState) {
        stateBox.withLockedValue { $0 = state }
    }

    /// Sends messages to the client and flushes; returns once they are written to the socket, so a hook that
    /// sends much waits for a slow client.
    public func send(_ messages: [BackendMessage]) async throws {
        try await onHandler { handler, promise in handler.write(messages, flush: true, promise: promise) }
    }

    /// Sends one message to the client and flushes.
    public func send(_ message: BackendMessage) async throws {
        try await send([message])
    }

    /// Sends bytes holding encoded messages to the client and flushes. The connection decodes them to keep its
    /// protocol state (an authentication request it sees decides what the client's next `p` message is).
    public func sendData(_ bytes: ByteBuffer) async throws {
        try await onHandler { handler, promise in handler.writeRaw(bytes, promise: promise) }
    }

    /// Runs `body` with the connection's handler on its event loop and waits for the write it starts.
    private func onHandler(
        _ body: @escaping @Sendable (GatewayChannelHandler, EventLoopPromise<Void>) -> Void
    ) async throws {
        let channel = self.channel
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            do {
                body(try channel.pipeline.syncOperations.handler(type: GatewayChannelHandler.self), promise)
            } catch {
                promise.fail(error)
            }
        }
        try await promise.futureResult.get()
    }

    /// Sends `diagnostic` (such as FATAL 57P01 at shutdown) and closes the connection once it is written, or
    /// after `timeout` if the client does not read. Returns when the connection is closed.
    public func terminate(with diagnostic: DiagnosticMessage, timeout: TimeAmount) async {
        let channel = self.channel
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: GatewayChannelHandler.self) else {
                channel.close(promise: nil)
                return
            }
            handler.terminate(with: diagnostic, timeout: timeout)
        }
        try? await channel.closeFuture.get()
    }

    /// Sends an ErrorResponse with PostgreSQL's field set.
    public func sendError(
        severity: String = "ERROR",
        code: String,
        message: String,
        detail: String? = nil,
        hint: String? = nil
    ) async throws {
        let diagnostic = DiagnosticMessage(
            severity: severity, sqlState: code, message: message, detail: detail, hint: hint)
        try await send(.errorResponse(diagnostic))
    }

    /// Sends ReadyForQuery with the transaction status.
    public func sendReadyForQuery(_ status: TransactionStatus = .idle) async throws {
        try await send(.readyForQuery(status))
    }

    /// Sends AuthenticationOk, for hooks that authenticate on their own after taking over in `onStartup`.
    public func sendAuthenticationOk() async throws {
        try await send(.authentication(.ok))
    }

    /// The client's messages that no `onMessage` hook handles, from now on, as a stream with backpressure.
    ///
    /// Call it once, at the latest in the `onAuthenticated` hook (reading waits for hooks, so no message is missed);
    /// without a stream, unhandled messages are answered with a `0A000` error.
    public func messages() async throws -> MessageStream<FrontendMessage> {
        let channel = self.channel
        return try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: GatewayChannelHandler.self)
            return handler.makeMessageStream(eventLoop: channel.eventLoop)
        }.get()
    }

    /// Removes pgw from the channel and returns it with the client bytes pgw received but did not process.
    ///
    /// The channel keeps its TLS handler, if any, so the returned channel carries plaintext; pipe it to another server.
    public func detach() async throws -> (channel: any Channel, unprocessedBytes: ByteBuffer) {
        let channel = self.channel
        let bytes = try await channel.eventLoop.submit { try Self.removeGateway(from: channel) }.get()
        return (channel, bytes)
    }

    /// Detaches pgw and pipes the client to `upstream` in both directions, with backpressure. `upstream` first
    /// gets `prefix` (such as the client's StartupMessage, replayed), then the client bytes pgw had not processed.
    /// `upstream` must be connected on this connection's event loop; everything happens in one event-loop turn,
    /// so no byte in either direction can slip past the pipe.
    public func pipe(to upstream: any Channel, prefix: ByteBuffer = ByteBuffer()) async throws {
        precondition(
            upstream.eventLoop === channel.eventLoop, "pipe(to:) needs the upstream channel on the client's event loop")
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            do {
                var first = prefix
                var unprocessed = try Self.removeGateway(from: channel)
                first.writeBuffer(&unprocessed)
                let (clientGlue, upstreamGlue) = ChannelGlue.matchedPair()
                try channel.pipeline.syncOperations.addHandler(clientGlue)
                try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
                return first.readableBytes > 0
                    ? upstream.writeAndFlush(first) : channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    private static func removeGateway(from channel: any Channel) throws -> ByteBuffer {
        let handler = try channel.pipeline.syncOperations.handler(type: GatewayChannelHandler.self)
        let bytes = handler.takeUnprocessedBytes()
        channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
        return bytes
    }

    /// Closes the connection. One the client has already closed (as a client does once it reads a FATAL) is no
    /// error: a hook that refuses a client with a FATAL and closes does not fail when the client was quicker.
    public func close() async throws {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            return
        }
    }
}
