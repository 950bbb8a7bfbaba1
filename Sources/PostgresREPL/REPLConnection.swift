import Logging
import NIOCore
import NIOPosix
import PostgresClient
import PostgresWire

/// The REPL's connection to a server: raw bytes out, decoded messages (with their bytes) in.
///
/// The client library opens it (TLS, startup, authentication, as libpq does); then the REPL takes the channel
/// over, so it can send any bytes, well-formed or not.
public final class REPLConnection: Sendable {
    /// What the server said while the connection opened.
    public let session: ServerSession
    /// The server reached.
    public let target: ConnectionTarget
    /// The server's messages from the first one after the login's ReadyForQuery.
    public let events: AsyncStream<REPLEvent>
    private let client: PostgresClientConnection
    private let channel: any Channel

    private init(
        session: ServerSession, target: ConnectionTarget, events: AsyncStream<REPLEvent>,
        client: PostgresClientConnection, channel: any Channel
    ) {
        self.session = session
        self.target = target
        self.events = events
        self.client = client
        self.channel = channel
    }

    /// Connects as libpq would from `options` and takes the channel over.
    public static func connect(_ options: ConnectionOptions, logger: Logger) async throws -> REPLConnection {
        let client = try await PostgresClientConnection.connect(options, logger: logger)
        let (channel, unprocessed) = try await client.takeChannel()
        let (events, continuation) = AsyncStream<REPLEvent>.makeStream()
        var loggedIn = BackendMessageDecoder()
        loggedIn.observe(.startup(StartupMessage(parameters: [])))
        let decoder = loggedIn
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                REPLChannelHandler(decoder: decoder, unprocessed: unprocessed, continuation: continuation))
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
            channel.read()
        }.get()
        return REPLConnection(
            session: client.session, target: client.target, events: events, client: client, channel: channel)
    }

    /// Sends `bytes` as they are and flushes.
    public func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    /// Sends a CancelRequest for this session on a new connection.
    public func cancel() async throws {
        try await client.cancel()
    }

    /// Closes the connection (without sending anything).
    public func close() async {
        try? await channel.close()
    }
}
