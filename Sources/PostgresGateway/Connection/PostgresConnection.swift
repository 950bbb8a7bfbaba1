import NIOConcurrencyHelpers
import NIOCore
import PostgresWire

/// The server side of one PostgreSQL protocol connection on an accepted channel.
///
/// Create it with ``start(on:configuration:hooks:)`` when a client connects. It answers SSLRequest, upgrades to TLS,
/// authenticates the client and then hands every message to ``PostgresConnectionHooks/onMessage``; hooks answer
/// with ``send(_:)`` and friends, or ``detach()`` to take the raw channel.
public final class PostgresConnection: Sendable {
    /// The client's channel.
    public let channel: any Channel
    private let stateBox = NIOLockedValueBox(ConnectionState())

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Serves the protocol on `channel`, which must be active and carry raw client bytes.
    public static func start(
        on channel: any Channel,
        configuration: PostgresConnectionConfiguration = PostgresConnectionConfiguration(),
        hooks: PostgresConnectionHooks = PostgresConnectionHooks()
    ) async throws -> PostgresConnection {
        try await channel.eventLoop.submit {
            try install(on: channel, configuration: configuration, hooks: hooks)
        }.get()
    }

    /// Adds pgw's handler to `channel`'s pipeline; call on its event loop.
    static func install(
        on channel: any Channel,
        configuration: PostgresConnectionConfiguration,
        hooks: PostgresConnectionHooks
    ) throws -> PostgresConnection {
        let connection = PostgresConnection(channel: channel)
        let handler = GatewayChannelHandler(configuration: configuration, hooks: hooks, connection: connection)
        try channel.pipeline.syncOperations.addHandler(handler)
        return connection
    }

    /// A snapshot of the connection's progress.
    public var state: ConnectionState { stateBox.withLockedValue { $0 } }

    func update(_ state: ConnectionState) {
        stateBox.withLockedValue { $0 = state }
    }

    /// Sends messages to the client and flushes.
    public func send(_ messages: [BackendMessage]) async throws {
        var buffer = channel.allocator.buffer(capacity: 256)
        for message in messages {
            message.encode(into: &buffer)
        }
        try await sendData(buffer)
    }

    /// Sends one message to the client and flushes.
    public func send(_ message: BackendMessage) async throws {
        try await send([message])
    }

    /// Sends raw bytes to the client and flushes.
    public func sendData(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
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
    public func messages() async throws -> FrontendMessageStream {
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

    /// Closes the connection.
    public func close() async throws {
        try await channel.close()
    }
}
