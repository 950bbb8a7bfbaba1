import Logging
import NIOCore
import NIOPosix
import PostgresClient
import PostgresTLS
import PostgresWire

/// The REPL's connection to a server: raw bytes out, decoded messages (with their bytes) in.
///
/// The client library opens it (TLS, startup, authentication, as libpq does); then the REPL takes the channel
/// over, so it can send any bytes, well-formed or not.
public final class REPLConnection: REPLTransport {
    /// What the server said while the connection opened; `nil` in raw mode (you type the startup yourself).
    public let session: ServerSession?
    /// The server reached.
    public let target: ConnectionTarget
    /// The server's messages from the first one after the login's ReadyForQuery.
    public let events: AsyncStream<REPLEvent>
    /// What the login established, as the messages that said it (each ParameterStatus, BackendKeyData and the
    /// ReadyForQuery), numbered from offset 0 as if they were all the server had sent: the offsets of the messages
    /// after the login (``events``) continue from there. Empty in raw mode.
    public let loginMessages: [DecodedMessage]
    private let client: PostgresClientConnection?
    private let channel: any Channel
    private let handler: NIOLoopBound<REPLChannelHandler>

    private init(
        session: ServerSession?, target: ConnectionTarget, events: AsyncStream<REPLEvent>,
        loginMessages: [DecodedMessage], client: PostgresClientConnection?, channel: any Channel,
        handler: NIOLoopBound<REPLChannelHandler>
    ) {
        self.session = session
        self.loginMessages = loginMessages
        self.target = target
        self.events = events
        self.client = client
        self.channel = channel
        self.handler = handler
    }

    /// Connects as libpq would from `options` and takes the channel over.
    public static func connect(_ options: ConnectionOptions, logger: Logger) async throws -> REPLConnection {
        let client = try await PostgresClientConnection.connect(options, logger: logger)
        let (channel, unprocessed) = try await client.takeChannel()
        let loginMessages = Self.messages(of: client.session)
        var loggedIn = BackendMessageDecoder(
            streamOffset: loginMessages.last.map { $0.offset + $0.bytes.readableBytes } ?? 0)
        loggedIn.observe(.startup(StartupMessage(parameters: [])))
        let (events, handler) = try await attach(to: channel, decoder: loggedIn, unprocessed: unprocessed)
        return REPLConnection(
            session: client.session, target: client.target, events: events, loginMessages: loginMessages,
            client: client, channel: channel, handler: handler)
    }

    /// Opens a bare TCP (or Unix socket) connection to the first host of `options`: nothing is sent, so the first
    /// line typed is the StartupMessage, SSLRequest or GSSENCRequest.
    public static func connectRaw(_ options: ConnectionOptions) async throws -> REPLConnection {
        guard let target = options.targets.first else { throw REPLConnectionError("no host to connect to") }
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: target)
        } catch {
            throw REPLConnectionError("cannot connect to \(target.serverDescription): \(error)")
        }
        let (events, handler) = try await attach(
            to: channel, decoder: BackendMessageDecoder(), unprocessed: ByteBuffer())
        return REPLConnection(
            session: nil, target: target, events: events, loginMessages: [], client: nil, channel: channel,
            handler: handler)
    }

    /// The messages that say what `session` established: its parameters (by name), the cancel key, the transaction
    /// status; numbered from offset 0.
    private static func messages(of session: ServerSession) -> [DecodedMessage] {
        var messages: [BackendMessage] = session.parameters.sorted { $0.key < $1.key }.map {
            .parameterStatus(ParameterStatus(name: $0.key, value: $0.value))
        }
        if let key = session.backendKey { messages.append(.backendKeyData(key)) }
        messages.append(.readyForQuery(session.transactionStatus))
        var offset = 0
        return messages.map { message in
            var bytes = ByteBuffer()
            message.encode(into: &bytes)
            defer { offset += bytes.readableBytes }
            return DecodedMessage(message: .backend(message), offset: offset, bytes: bytes)
        }
    }

    /// Adds the decoding handler to `channel` and starts reading.
    private static func attach(to channel: any Channel, decoder: BackendMessageDecoder, unprocessed: ByteBuffer)
        async throws -> (AsyncStream<REPLEvent>, NIOLoopBound<REPLChannelHandler>)
    {
        let (events, continuation) = AsyncStream<REPLEvent>.makeStream()
        let handler = try await channel.eventLoop.submit {
            let handler = REPLChannelHandler(decoder: decoder, unprocessed: unprocessed, continuation: continuation)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
            channel.read()
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        return (events, handler)
    }

    /// Typed lines are frontend messages.
    public var direction: MessageDirection { .frontend }

    /// Sends `bytes` as they are and flushes; `messages` (what they hold) tell the decoder how to read the
    /// answers (an SSLRequest's one-byte answer).
    public func send(_ bytes: ByteBuffer, messages: [WireMessage]) async throws {
        let handler = self.handler
        do {
            try await channel.eventLoop.submit {
                for case .frontend(let message) in messages { handler.value.observe(message) }
            }.get()
            try await channel.writeAndFlush(bytes)
        } catch ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.outputClosed {
            throw REPLConnectionError("the server has closed the connection")
        }
    }

    /// Starts the TLS handshake (after the server answered an SSLRequest with `S`), as `sslmode=require` does: the
    /// server's certificate is not checked. Only in raw mode, once, on a TCP connection; a login made by pgw
    /// negotiates TLS itself.
    public func startTLS() async throws {
        if let client {
            throw REPLConnectionError(
                client.session.tlsInfo == nil
                    ? "\\tls is for --raw mode; pgw logged in without TLS (sslmode decides; a Unix socket has none)"
                    : "\\tls is for --raw mode; pgw logged in with TLS already")
        }
        guard !target.isUnixSocket else {
            throw REPLConnectionError("a Unix-socket connection has no TLS (connect with host=127.0.0.1 instead)")
        }
        let context = try TLSClientContext(
            configuration: TLSClientConfiguration(mode: .require, serverName: target.host))
        let channel = self.channel
        let serverName = target.host
        let handler = self.handler
        try await channel.eventLoop.submit {
            guard !handler.value.isTLS else { throw REPLConnectionError("TLS is already on (\\tls was run before)") }
            switch handler.value.sslAnswer {
            case true?: break
            case false?: throw REPLConnectionError("the server refused TLS: it answered the SSLRequest N")
            case nil: throw REPLConnectionError("send SSLRequest first, and wait for the server's S")
            }
            let tls = try TLSHandler(clientContext: context, serverName: serverName)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            handler.value.startTLS()
        }.get()
    }

    /// Sends a CancelRequest for this session on a new connection.
    public func cancel() async throws {
        guard let client else {
            throw REPLConnectionError(
                "\\cancel needs the login's BackendKeyData; in --raw mode send CancelRequest pid=N key=HEX")
        }
        try await client.cancel()
    }

    /// Fails: answering startups is for server mode.
    public func startAutomaticStartup() async throws -> [Int] {
        throw REPLConnectionError("\\auto-startup is for server mode (pgw repl --listen)")
    }

    /// Closes the connection (without sending anything).
    public func close() async {
        try? await channel.close()
    }
}
