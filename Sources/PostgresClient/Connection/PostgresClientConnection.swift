import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresTLS
import PostgresWire

/// An open connection to a PostgreSQL server, made as libpq makes it: see ``connect(_:logger:eventLoopGroup:)``.
///
/// After connecting, read the server's messages from ``messages()`` and send with ``send(_:)``, or take the
/// channel over with ``takeChannel()`` (a proxy piping bytes). ``cancel()`` cancels the running query.
public final class PostgresClientConnection: Sendable {
    /// What the server said while the connection opened.
    public let session: ServerSession
    /// The server this connection reached.
    public let target: ConnectionTarget
    /// The channel; owned by this connection until ``takeChannel()``.
    let channel: any Channel
    private let handler: NIOLoopBound<PostgresClientChannelHandler>
    private let options: ConnectionOptions
    private let logger: Logger
    /// Whether ``takeChannel()`` handed the channel over: sending and streaming are then refused.
    private let isHandedOver = NIOLockedValueBox(false)

    /// A connection over `channel`, opened as `session` says; ``connect(_:logger:eventLoopGroup:)`` makes them.
    init(
        session: ServerSession, target: ConnectionTarget, channel: any Channel,
        handler: NIOLoopBound<PostgresClientChannelHandler>, options: ConnectionOptions, logger: Logger
    ) {
        self.session = session
        self.target = target
        self.channel = channel
        self.handler = handler
        self.options = options
        self.logger = logger
    }

    /// The server's parameters (`server_version`, `TimeZone`, …) as reported while connecting.
    public var serverParameters: [String: String] { session.parameters }
    /// The key that cancels this session's queries; `nil` if the server sent none.
    public var backendKey: BackendKeyData? { session.backendKey }
    /// The TLS connection's facts, `nil` in plaintext.
    public var tlsInfo: TLSConnectionInfo? { session.tlsInfo }
    /// The protocol version in use.
    public var protocolVersion: ProtocolVersion { session.protocolVersion }

    // MARK: Connecting

    /// Connects as libpq would from `connectionString` (conninfo or URI), the `PG*` environment variables,
    /// the password file and libpq's defaults.
    public static func connect(
        _ connectionString: String, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PostgresClientError) -> PostgresClientConnection {
        let options: ConnectionOptions
        do {
            options = try ConnectionOptions(connectionString)
        } catch {
            throw PostgresClientError(.invalidOptions(error))
        }
        return try await connect(options, logger: logger, eventLoopGroup: eventLoopGroup)
    }

    /// Connects with `options`: each host in turn (each address of a host name), with libpq's fallbacks (`sslmode=prefer` retries in plaintext
    /// after a TLS failure or a server error over TLS, `allow` retries with TLS after a plaintext failure), until
    /// one opens a session that ``ConnectionOptions/targetSessionAttributes`` accepts (`prefer-standby`: a standby
    /// on a first pass over the hosts, any server on a second).
    /// - Parameter logger: logs the attempts; each connection adds `pgw.client.connection` to its metadata.
    public static func connect(
        _ options: ConnectionOptions, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PostgresClientError) -> PostgresClientConnection {
        var logger = logger
        logger[metadataKey: "pgw.client.connection"] = "\(ConnectionIdentifier.next())"
        for warning in options.warnings { logger.warning("\(warning)") }
        if options.gssEncryptionMode == .require {
            throw PostgresClientError(
                .invalidOptions(ConnectionOptionError("GSSAPI encryption required but it is not supported by pgw")))
        }
        // As libpq sets TLS up when the server accepts it, a TLS setup failure (a missing root certificate, say)
        // is the failure of each attempt that starts TLS, naming its server; plaintext attempts go ahead.
        let tlsContext: Result<TLSClientContext?, PostgresClientError>
        do {
            tlsContext = .success(try options.makeTLSClientContext())
        } catch {
            tlsContext = .failure(error)
        }
        var failures: [PostgresClientError] = []
        let passes: [TargetSessionAttributes] =
            options.targetSessionAttributes == .preferStandby ? [.standby, .any] : [options.targetSessionAttributes]
        for (attributes, host) in passes.flatMap({ attributes in options.targets.map { (attributes, $0) } }) {
            let addresses: [ConnectionTarget]
            do {
                addresses = try await resolve(host, loadBalancing: options.loadBalancesHosts)
            } catch {
                failures.append(error)
                continue
            }
            for target in addresses {
                var plan = ConnectionAttemptPlan(options: options, target: target, targetSessionAttributes: attributes)
                while let attempt = plan.next() {
                    do {
                        return try await open(
                            attempt, target: target, options: options, tlsContext: tlsContext, logger: logger,
                            eventLoopGroup: eventLoopGroup)
                    } catch {
                        logger.debug("connection attempt failed", metadata: ["error": "\(error)"])
                        failures.append(error)
                        plan.failed(error)
                    }
                }
            }
        }
        guard var last = failures.popLast() else {
            throw PostgresClientError(.invalidOptions(ConnectionOptionError("no host to connect to")))
        }
        last.attempts = failures
        throw last
    }

    /// The targets to try for `target`, as libpq tries them: a Unix socket or `hostaddr` as it is, a host name
    /// (or an IP address given as `host`) at each address it looks up to, shuffled with `load_balance_hosts=random`.
    private static func resolve(_ target: ConnectionTarget, loadBalancing: Bool) async throws(PostgresClientError)
        -> [ConnectionTarget]
    {
        guard !target.isUnixSocket, target.hostAddress.isEmpty else { return [target] }
        let addresses = try await HostNameResolver.addresses(of: target.host, port: target.port)
        let targets = addresses.map(target.resolved(to:))
        return loadBalancing ? targets.shuffled() : targets
    }

    private static func open(
        _ attempt: ClientStartupConfiguration, target: ConnectionTarget, options: ConnectionOptions,
        tlsContext: Result<TLSClientContext?, PostgresClientError>, logger: Logger, eventLoopGroup: any EventLoopGroup
    ) async throws(PostgresClientError) -> PostgresClientConnection {
        let server = target.serverDescription
        let eventLoop = eventLoopGroup.next()
        let opened = eventLoop.makePromise(of: ServerSession.self)
        let handlerBox = NIOLockedValueBox<NIOLoopBound<PostgresClientChannelHandler>?>(nil)
        let makeTLSHandler = options.tlsHandlerFactory(tlsContext, for: target)
        // libpq's connect_timeout bounds the whole opening on one host: the TCP connect and the startup.
        let deadline = options.connectTimeout.map { NIODeadline.now() + .seconds($0.components.seconds) }
        var bootstrap = ClientBootstrap(group: eventLoop)
        if !target.isUnixSocket {
            bootstrap = bootstrap.applying(options.tcpSettings)
        }
        bootstrap =
            bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = PostgresClientChannelHandler(
                        configuration: attempt, makeTLSHandler: makeTLSHandler, logger: logger, opened: opened)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    handlerBox.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
        if let timeout = options.connectTimeout {
            bootstrap = bootstrap.connectTimeout(.seconds(timeout.components.seconds))
        }
        let channel: any Channel
        logger.debug("connecting", metadata: ["server": "\(server)"])
        do {
            channel = try await bootstrap.connect(to: target)
        } catch {
            opened.fail(error)
            throw PostgresClientError(connecting: error, server: server)
        }
        let timeout = deadline.map { deadline in
            eventLoop.scheduleTask(deadline: deadline) {
                opened.fail(PostgresClientError(.timedOut))
                channel.close(promise: nil)
            }
        }
        defer { timeout?.cancel() }
        do {
            let session = try await opened.futureResult.get()
            logger.debug(
                "connected",
                metadata: [
                    "server": "\(server)", "protocol": "\(session.protocolVersion)",
                    "tls": "\(session.tlsInfo?.protocolVersion ?? "none")",
                ])
            return PostgresClientConnection(
                session: session, target: target, channel: channel, handler: handlerBox.withLockedValue { $0! },
                options: options,
                logger: logger)
        } catch {
            channel.close(promise: nil)
            var failure = error as? PostgresClientError ?? PostgresClientError(.protocolViolation("\(error)"))
            failure.server = server
            if failure.serverError?.sqlState == "28P01" {
                failure.passwordFile = target.passwordFile
            }
            throw failure
        }
    }

    // MARK: Using

    /// The server's messages from now on, with backpressure; call once. Not with ``takeChannel()``.
    public func messages() async throws -> MessageStream<BackendMessage> {
        try checkNotHandedOver()
        let handler = self.handler
        return try await channel.eventLoop.submit {
            handler.value.makeMessageStream(eventLoop: handler.eventLoop)
        }.get()
    }

    /// Sends `messages` through the connection's handler and flushes.
    public func send(_ messages: FrontendMessage...) async throws {
        try await send(messages)
    }

    /// Sends `messages` through the connection's handler and flushes.
    public func send(_ messages: [FrontendMessage]) async throws {
        try checkNotHandedOver()
        for message in messages.dropLast() {
            channel.write(message, promise: nil)
        }
        if let last = messages.last {
            try await channel.writeAndFlush(last)
        }
    }

    /// Removes the protocol handler and returns the channel (with its TLS handler, if any) and the bytes the
    /// server sent that were not yet decoded, for a proxy to pipe. After ``messages()``, that stream ends and
    /// what it had not delivered yet is lost; sending through this connection is refused from now on.
    public func takeChannel() async throws -> (channel: any Channel, unprocessed: ByteBuffer) {
        let wasHandedOver = isHandedOver.withLockedValue { handedOver in
            let was = handedOver
            handedOver = true
            return was
        }
        guard !wasHandedOver else { throw ChannelError.ioOnClosedChannel }
        let handler = self.handler
        let channel = self.channel
        return try await channel.eventLoop.flatSubmit {
            let bytes = handler.value.takeUnprocessedBytes()
            return channel.pipeline.syncOperations.removeHandler(handler.value).map { (channel, bytes) }
        }.get()
    }

    /// Sends Terminate and closes the connection (only closes it once handed over).
    public func close() async {
        if !isHandedOver.withLockedValue({ $0 }) {
            try? await channel.writeAndFlush(FrontendMessage.terminate)
        }
        try? await channel.close()
    }

    private func checkNotHandedOver() throws {
        if isHandedOver.withLockedValue({ $0 }) { throw ChannelError.ioOnClosedChannel }
    }

    /// Cancels the query this session is running: a CancelRequest with ``backendKey`` on a new connection to the
    /// same server, over TLS when this connection uses TLS (as libpq 17 does).
    public func cancel() async throws(PostgresClientError) {
        guard let key = backendKey else {
            throw PostgresClientError(.protocolViolation("the server sent no BackendKeyData; cannot cancel"))
        }
        try await CancelRequestSender.send(
            CancelRequest(processID: key.processID, secretKey: key.secretKey), to: target, options: options,
            usesTLS: tlsInfo != nil, logger: logger, eventLoop: channel.eventLoop)
    }
}
