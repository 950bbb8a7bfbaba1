import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresClient
import PostgresGateway
import PostgresWire

/// A logging PostgreSQL proxy: accepts clients with the gateway (which answers SSLRequest and GSSENCRequest and
/// reads the StartupMessage), connects each to the upstream server, replays its StartupMessage and relays every
/// byte both ways unchanged while a ``ConnectionTap`` logs each message to a ``TrafficLogSink``. The upstream
/// authenticates the client. The upstream is the configuration's, or the first route matching the client's TLS
/// server name. CancelRequests are forwarded to the upstream that issued their key.
public final class PostgresProxy: Sendable {
    private let server: PostgresServer
    private let sink: TrafficLogSink
    private let capture: TrafficLogSink?
    private let relays: NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>
    private let logger: Logger

    private init(
        server: PostgresServer, sink: TrafficLogSink, capture: TrafficLogSink?,
        relays: NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>, logger: Logger
    ) {
        self.server = server
        self.sink = sink
        self.capture = capture
        self.relays = relays
        self.logger = logger
    }

    /// Listens on `host:port` (0 picks a free port) and relays every client to `configuration.upstream`.
    /// - Parameters:
    ///   - capture: gets the pcapng blocks of every relayed connection's plaintext, one TCP stream each, after the
    ///     file's header (``TrafficLogSink/capture(atPath:capacity:)`` writes it to a new file).
    ///   - tls: terminates TLS on the client leg with this configuration (required of clients unless
    ///     `configuration.requiresClientTLS` is off).
    ///   - maximumConnections: the most relayed sessions at once; more get FATAL 53300.
    ///   - recording: collects every statement and its answer for a `pgw serve` script (`--record`).
    ///   - group: the event loops that accept and relay (both legs of a session share one).
    public static func start(
        host: String,
        port: Int,
        configuration: ProxyConfiguration,
        sink: TrafficLogSink,
        capture: TrafficLogSink? = nil,
        tls: PostgresServerConnectionConfiguration.TLS? = nil,
        maximumConnections: Int = 1_000,
        recording: ScriptRecording? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "pgw.proxy", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresProxy {
        let cancelKeys = CancelKeyTable()
        let relays = NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>([:])
        // The traffic log numbers each client as the server's log lines do (`#N` is `pgw.connection=N`).
        let hooks = PostgresServerConnectionHooks(
            onStartup: { connection in
                try await relay(
                    connection, number: connection.number, configuration: configuration, sinks: (sink, capture),
                    relays: relays, cancelKeys: cancelKeys, recording: recording, logger: logger)
                return true
            },
            onCancelRequest: { request, connection in
                await forwardCancel(
                    request, from: connection, configuration: configuration, cancelKeys: cancelKeys,
                    sinks: (sink, capture), group: group)
            },
            onSessionlessEnd: { connection, end in
                logSessionless(connection, end: end, configuration: configuration, sinks: (sink, capture))
            }
        )
        let server = try await PostgresServer.bind(
            host: host, port: port,
            configuration: PostgresServerConnectionConfiguration(
                tls: tls, requiresTLS: configuration.requiresClientTLS,
                requiresClientCertificate: configuration.requiresClientCertificate, negotiatesProtocolVersion: false),
            hooks: hooks,
            maximumConnections: maximumConnections, group: group, logger: logger)
        return PostgresProxy(server: server, sink: sink, capture: capture, relays: relays, logger: logger)
    }

    /// The address the proxy listens on.
    public var localAddress: SocketAddress? { server.localAddress }

    /// The number of sessions being relayed now.
    public var relayedConnectionCount: Int { relays.withLockedValue { $0.count } }

    /// Stops accepting, sends every relayed client FATAL 57P01 (at a message boundary) and closes both legs, waits
    /// up to `timeout` for them, then flushes the traffic log.
    public func shutdown(timeout: TimeAmount = .seconds(5)) async {
        let open = relays.withLockedValue { Array($0.values) }
        if !open.isEmpty {
            logger.info("shutting down: closing \(open.count) relayed connection\(open.count == 1 ? "" : "s")")
        }
        // Queued on each relay's event loop before the server's own shutdown, which closes a relayed (detached)
        // connection outright: the FATAL goes out first.
        let started = ContinuousClock.now
        let closings = open.map { relay in relay.eventLoop.submit { relay.value.shutDown() } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.server.shutdown(timeout: timeout) }
            for (relay, closing) in zip(open, closings) {
                group.addTask {
                    let closed = try? await closing.get()
                    let deadline = relay.eventLoop.scheduleTask(in: timeout) { relay.value.forceClose() }
                    try? await closed?.get()
                    deadline.cancel()
                }
            }
        }
        // The log and the capture get what is left of the timeout (a tenth of a second at least): a log reader
        // that takes nothing (a stalled pipe) cannot hold the shutdown.
        let limit = max(.nanoseconds(timeout.nanoseconds) - (ContinuousClock.now - started), .milliseconds(100))
        for (name, file) in [("traffic log", sink), ("capture", capture)] {
            if let file, let failure = await file.close(waitingAtMost: limit) {
                logger.warning("the \(name) is incomplete: \(failure)")
            }
        }
    }

    private static func relay(
        _ connection: PostgresServerConnection, number: Int, configuration: ProxyConfiguration,
        sinks: (log: TrafficLogSink, capture: TrafficLogSink?),
        relays: NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>, cancelKeys: CancelKeyTable,
        recording: ScriptRecording?, logger: Logger
    ) async throws {
        guard let client = connection.state.clientInfo else { return }
        let tap = ConnectionTap(number: number, configuration: configuration, sink: sinks.log, capture: sinks.capture)
        tap.clientLegIsTLS = connection.state.tlsInfo != nil
        let serverName = connection.state.tlsInfo?.serverName
        let routing = configuration.routing(serverName: serverName)
        logOpened(connection, to: routing.upstream, orElse: "(no route)", client: client, tap: tap)
        let unusableLabel = serverName.flatMap { name in
            routing.unusableLabel.map { Self.unusableLabelReason(serverName: name, label: $0.label) }
        }
        if let unusableLabel, routing.upstream != nil, let route = routing.unusableLabel?.route {
            let note = "\(unusableLabel) for the route \(route.pattern): relayed to --upstream instead"
            tap.logEvent("note", text: "note: \(note)", fields: [("note", .string(note))])
        }
        guard let upstreamAddress = routing.upstream else {
            let reason =
                unusableLabel
                ?? serverName.map { "no --route matches the server name \"\(OneLineText.escaped($0))\"" }
                ?? "the client sent no server name (SNI) to route by"
            let refusal = DiagnosticMessage(
                severity: "FATAL", sqlState: "08004",
                message: "pgw proxy has no upstream server for this connection: \(reason)",
                hint: Self.routeHint(
                    serverName: serverName, overTLS: tap.clientLegIsTLS, unusableLabel: unusableLabel != nil))
            tap.seeRefusal(refusal)
            tap.close(reason: reason + " (routes: \(configuration.routes.map(\.pattern).joined(separator: ", ")))")
            try await connection.send(.errorResponse(refusal))
            try await connection.close()
            return
        }
        tap.recorder = recording.map(SessionRecorder.init(recording:))
        if upstreamAddress.requiresTLS {
            try await authenticateAndRelay(
                connection, client: client, upstream: upstreamAddress, tap: tap, number: number, relays: relays,
                cancelKeys: cancelKeys, logger: logger)
            return
        }
        let upstream: any Channel
        do {
            upstream = try await ClientBootstrap(group: connection.eventLoop)
                .connectTimeout(configuration.upstreamConnectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.autoRead, value: true)
                .connect(host: upstreamAddress.host, port: upstreamAddress.port).get()
        } catch {
            let reason = "could not connect to the upstream server \(upstreamAddress): \(Self.reason(error))"
            tap.close(reason: reason)
            logger.warning("\(reason)", metadata: ["pgw.connection": "\(number)"])
            try await connection.sendError(
                severity: "FATAL", code: "08006", message: reason, hint: Self.hint(forConnectError: error))
            try await connection.close()
            return
        }
        let startup = Self.encoded([
            .frontend(
                .startup(
                    StartupMessage(
                        protocolVersion: client.requestedProtocolVersion, parameters: client.sentParameters)))
        ])
        let (channel, unprocessed) = try await connection.detach()
        var fromClient = startup
        var rest = unprocessed
        fromClient.writeBuffer(&rest)
        let clientBytes = fromClient
        tap.onBackendKeyData = { key in cancelKeys.register(key, upstream: upstreamAddress, key: key) }
        channel.closeFuture.whenComplete { _ in
            if let key = tap.backendKey { cancelKeys.remove(key) }
        }
        try await channel.eventLoop.submit {
            tap.startCapture(client: channel.remoteAddress, server: upstream.remoteAddress)
            try startRelay(
                client: channel, upstream: upstream, upstreamServer: upstreamAddress, tap: tap, fromClient: clientBytes,
                fromServer: [], number: number, relays: relays)
        }.get()
    }

    /// The hint for a client no route matches: connect with a host name when it sent none (SNI) — over TLS when
    /// it came in plaintext, else as a name rather than an IP address (libpq sends no SNI for an address) and with
    /// `sslsni=1` —, or with a name whose first label is a host name's when a `{1}` route refused it. The routes
    /// themselves are the operator's to know: the log names them, the client's hint does not.
    static func routeHint(serverName: String?, overTLS: Bool, unusableLabel: Bool = false) -> String {
        if unusableLabel {
            return "Connect with a host name whose first label is letters, digits and hyphens."
        }
        guard serverName == nil else { return "Connect with a host name that one of the proxy's routes matches." }
        guard overTLS else {
            return "Connect over TLS (sslmode=require or stronger) with a host name that one of the proxy's routes "
                + "matches."
        }
        return "The client sent no server name (SNI): connect with a host name (not an IP address) that one of the "
            + "proxy's routes matches, with sslsni=1."
    }

    /// Why a route whose pattern `serverName` matches relays it nowhere: its leftmost `label`, which `{1}` puts
    /// into the route's server, cannot be used as a host name.
    static func unusableLabelReason(serverName: String, label: String) -> String {
        "the server name \"\(OneLineText.escaped(serverName))\" matches a route, but its first label "
            + "\"\(OneLineText.escaped(label))\" cannot be used as a host name (letters, digits and hyphens only)"
    }

    /// Logs a connection the gateway ended without a session (refused, failed, or left by its client) as
    /// `opened` and `closed` events with its number and why, as the sessions the proxy refuses itself are logged;
    /// a socket that sent nothing (a TCP health check) is not logged.
    private static func logSessionless(
        _ connection: PostgresServerConnection, end: SessionlessEnd, configuration: ProxyConfiguration,
        sinks: (log: TrafficLogSink, capture: TrafficLogSink?)
    ) {
        guard end.clientSentBytes else { return }
        let tap = ConnectionTap(
            number: connection.number, configuration: configuration, sink: sinks.log, opened: end.openedAt)
        logOpened(connection, to: nil, orElse: "(no session)", client: connection.state.clientInfo, tap: tap)
        if let refusal = end.refusal { tap.seeRefusal(refusal) }
        let reason =
            end.refusal.map { "refused: \($0.severity ?? "FATAL") \($0.sqlState ?? "") \($0.message ?? "")" }
            ?? "no session: \(end.reason)"
        tap.close(reason: reason, closedByClient: end.refusal == nil)
    }

    /// Logs the `opened` event of `connection`: the client's address, where it goes (`server`; `placeholder` in
    /// the text when nowhere), the user and database of its StartupMessage (`client`, when there was one) or that
    /// it is a CancelRequest, and the TLS of the client leg.
    private static func logOpened(
        _ connection: PostgresServerConnection, to server: UpstreamServer?, orElse placeholder: String,
        client: ClientInfo?, isCancelRequest: Bool = false, tap: ConnectionTap
    ) {
        let clientAddress = connection.remoteAddress?.hostAndPort ?? "?"
        let tlsInfo = connection.state.tlsInfo
        var opened = "opened: client \(clientAddress) to \(server.map { "\($0)" } ?? placeholder)"
        opened +=
            client.map { " user=\($0.user) database=\($0.database)" } ?? (isCancelRequest ? " for a CancelRequest" : "")
        if let tls = tlsInfo {
            opened += "; client TLS \(tls.protocolVersion) \(tls.cipher)"
            if let name = tls.serverName { opened += " SNI \(name)" }
            if let certificate = tls.peerCertificate { opened += " certificate \(certificate.subject)" }
        } else if !tap.configuration.requiresClientTLS {
            opened += "; client plaintext"
        }
        tap.logEvent(
            "opened", text: opened,
            fields: [
                ("client", .string(clientAddress)), ("server", server.map { .string($0.description) } ?? .null),
                ("user", client.map { .string($0.user) } ?? .null),
                ("database", client.map { .string($0.database) } ?? .null),
                ("clientTLS", tlsInfo.map { .string("\($0.protocolVersion) \($0.cipher)") } ?? .null),
                ("serverName", tlsInfo?.serverName.map { .string($0) } ?? .null),
                ("clientCertificate", tlsInfo?.peerCertificate.map { .string($0.subject) } ?? .null),
            ])
    }

    /// Joins the client's channel and the upstream channel through `tap` and starts relaying: first `fromServer`
    /// goes to the client and `fromClient` upstream, then whatever either side sends. Registers the relay for the
    /// shutdown. On the event loop both channels share.
    private static func startRelay(
        client channel: any Channel, upstream: any Channel, upstreamServer: UpstreamServer, tap: ConnectionTap,
        fromClient: ByteBuffer, fromServer: [ByteBuffer], number: Int,
        relays: NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>
    ) throws {
        let (clientHandler, upstreamHandler) = TappedRelayHandler.matchedPair(tap: tap, upstream: upstreamServer)
        try channel.pipeline.syncOperations.addHandler(clientHandler)
        try upstream.pipeline.syncOperations.addHandler(upstreamHandler)
        guard channel.isActive else {
            tap.close(reason: "client closed the connection before the upstream answered")
            upstream.close(promise: nil)
            return
        }
        for bytes in fromServer { upstreamHandler.forwardAsRead(bytes) }
        clientHandler.forwardAsRead(fromClient)
        relays.withLockedValue { $0[number] = NIOLoopBound(clientHandler, eventLoop: channel.eventLoop) }
        channel.closeFuture.whenComplete { _ in _ = relays.withLockedValue { $0.removeValue(forKey: number) } }
        channel.read()
        upstream.read()
    }

    /// The authenticating mode, for an upstream that requires TLS: channel binding (SCRAM-SHA-256-PLUS) is bound
    /// to each TLS leg, so the client's own exchange cannot cross the proxy. The proxy asks the client for its
    /// password (cleartext, over the client leg — TLS when `--tls-cert` is given), logs in upstream with the client
    /// library (TLS as the connection string says, PLUS where offered), gives the client the upstream's parameters
    /// and a BackendKeyData with the upstream's process ID and a secret of the proxy's own (mapped to the
    /// upstream's key in `cancelKeys`), and relays from there.
    private static func authenticateAndRelay(
        _ connection: PostgresServerConnection, client: ClientInfo, upstream upstreamAddress: UpstreamServer,
        tap: ConnectionTap, number: Int, relays: NIOLockedValueBox<[Int: NIOLoopBound<TappedRelayHandler>]>,
        cancelKeys: CancelKeyTable, logger: Logger
    ) async throws {
        tap.proxyAsksForPassword = true
        let (channel, unprocessed) = try await connection.detach()
        // The capture is of the client leg, as the client saw it (the upstream leg is the client library's own,
        // and its address is known only once it is open): between the client's address and the proxy's.
        try await channel.eventLoop.submit {
            tap.startCapture(client: channel.remoteAddress, server: channel.localAddress)
        }.get()
        let startupMessage = StartupMessage(
            protocolVersion: client.requestedProtocolVersion, parameters: client.sentParameters)
        tap.see(Self.encoded([.frontend(.startup(startupMessage))]), from: .frontend)
        // The client library logs in upstream with protocol 3.0, so a client asking for more (a newer minor or
        // `_pq_.` options) is negotiated down to 3.0 at once, in one NegotiateProtocolVersion, as PostgreSQL does.
        let negotiation =
            client.requestedProtocolVersion == .v3_0 && client.protocolOptions.isEmpty
            ? nil
            : Self.encoded([
                .backend(
                    .negotiateProtocolVersion(
                        NegotiateProtocolVersion(
                            newestMinorVersion: ProtocolVersion.v3_0.rawValue,
                            unrecognizedOptions: client.protocolOptions)))
            ])
        if let negotiation { tap.see(negotiation, from: .backend) }
        tap.see(Self.encoded([.backend(.authentication(.cleartextPassword))]), from: .backend)
        let answer = channel.eventLoop.makePromise(of: (password: String, rest: ByteBuffer).self)
        try await channel.eventLoop.submit {
            if let negotiation { channel.write(negotiation, promise: nil) }
            try channel.pipeline.syncOperations.addHandler(
                ClientPasswordReader(unprocessed: unprocessed, answer: answer))
        }.get()
        let password: String
        let rest: ByteBuffer
        // As PostgreSQL's authentication_timeout: a client that never answers does not hold the connection.
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(60)) {
            answer.fail(ChannelError.connectTimeout(.seconds(60)))
            channel.close(promise: nil)
        }
        do {
            (password, rest) = try await answer.futureResult.get()
            deadline.cancel()
        } catch ChannelError.eof {
            // psql with channel_binding=require (or require_auth=scram-sha-256) closes at a cleartext request.
            tap.close(
                reason: "the client closed instead of sending its password (a client that requires channel binding "
                    + "or SCRAM does so: this mode asks for the password in cleartext, as channel binding cannot cross "
                    + "a proxy)")
            try? await channel.close()
            return
        } catch {
            tap.close(reason: "the client did not send its password: \(error)")
            try? await channel.close()
            return
        }
        tap.see(Self.encoded([.frontend(.password(PasswordMessage(password: password)))]), from: .frontend)
        // The client's password is the credential: an empty one is refused as PostgreSQL refuses it ("empty
        // password returned by client"), before the upstream is asked, so that nothing of the proxy's (a password
        // file, PGPASSWORD) stands in for it and the answer is the same whether the role exists or not.
        guard !password.isEmpty else {
            let reply = Self.encoded([
                .backend(
                    .errorResponse(
                        DiagnosticMessage(
                            severity: "FATAL", sqlState: "28P01",
                            message: "password authentication failed for user \"\(client.user)\"")))
            ])
            tap.see(reply, from: .backend)
            tap.close(reason: "the client sent an empty password")
            try? await channel.writeAndFlush(reply)
            try? await channel.close()
            return
        }
        let upstreamConnection: PostgresClientConnection
        let options: ConnectionOptions
        do {
            options = try upstreamAddress.clientOptions(
                startup: client.parameters, password: password, keyLogFile: tap.configuration.upstreamKeyLogFile)
            upstreamConnection = try await PostgresClientConnection.connect(
                options, logger: logger, eventLoopGroup: channel.eventLoop)
        } catch {
            if let warning = (error as? PostgresClientError).flatMap(Self.securityWarning(for:)) {
                tap.logEvent("warning", text: "warning: \(warning)", fields: [("warning", .string(warning))])
            }
            let diagnostic =
                (error as? PostgresClientError)?.serverError
                ?? DiagnosticMessage(
                    severity: "FATAL", sqlState: "08006", message: "could not log in to the upstream server: \(error)")
            let reply = Self.encoded([.backend(.errorResponse(diagnostic))])
            tap.see(reply, from: .backend)
            tap.close(reason: "upstream login failed: \(diagnostic.message ?? "")")
            try? await channel.writeAndFlush(reply)
            try? await channel.close()
            return
        }
        let session = upstreamConnection.session
        // An upstream that asked for no password while the proxy presented its client certificate (pg_hba `cert`)
        // let the proxy's credential, not the client's password, log in: refused, as the client proved nothing.
        if [nil, AuthenticationMethod.none].contains(session.authenticationMethod) && options.presentsClientCertificate
            && FileManager.default.fileExists(atPath: options.sslCertificate)
        {
            await upstreamConnection.close()
            let reply = Self.encoded([
                .backend(
                    .errorResponse(
                        DiagnosticMessage(
                            severity: "FATAL", sqlState: "28000",
                            message: "pgw proxy: the upstream logged in \"\(client.user)\" by the proxy's client "
                                + "certificate without asking for the password, so the client's password was not checked",
                            hint: "Have the upstream ask for a password (scram-sha-256, with clientcert=verify-ca if "
                                + "it should also check the proxy's certificate).")))
            ])
            tap.see(reply, from: .backend)
            tap.close(reason: "upstream login made by the proxy's client certificate alone: refused")
            try? await channel.writeAndFlush(reply)
            try? await channel.close()
            return
        }
        var greeting: [WireMessage] = [.backend(.authentication(.ok))]
        for (name, value) in session.parameters.sorted(by: { $0.key < $1.key }) {
            greeting.append(.backend(.parameterStatus(ParameterStatus(name: name, value: value))))
        }
        if let key = session.backendKey {
            let clientKey = cancelKeys.issueKey(like: key)
            cancelKeys.register(clientKey, upstream: upstreamAddress, key: key)
            channel.closeFuture.whenComplete { _ in cancelKeys.remove(clientKey) }
            greeting.append(.backend(.backendKeyData(clientKey)))
        }
        greeting.append(.backend(.readyForQuery(session.transactionStatus)))
        var facts = "authenticating mode: logged in upstream as \(client.user)"
        if let tls = session.tlsInfo { facts += " over \(tls.protocolVersion) \(tls.cipher)" }
        facts += " with \(session.authenticationMethod?.rawValue ?? "trust")"
        facts += session.isChannelBound ? " (SCRAM-SHA-256-PLUS, channel bound)" : ""
        tap.logEvent(
            "authenticated", text: facts,
            fields: [
                ("mode", .string("authenticating")),
                ("upstreamTLS", session.tlsInfo.map { .string("\($0.protocolVersion) \($0.cipher)") } ?? .null),
                ("channelBound", .boolean(session.isChannelBound)),
            ])
        let greetingBytes = Self.encoded(greeting)
        let (upstream, upstreamRest) = try await upstreamConnection.takeChannel()
        try await channel.eventLoop.submit {
            try startRelay(
                client: channel, upstream: upstream, upstreamServer: upstreamAddress, tap: tap, fromClient: rest,
                fromServer: [greetingBytes, upstreamRest], number: number, relays: relays)
        }.get()
    }

    /// The security warning an upstream login failure deserves: the upstream refused TLS that the connection
    /// string requires, or sent bytes after its `S` before the TLS handshake, which no honest server does (an
    /// attacker injecting plaintext responses, CVE-2021-23222).
    static func securityWarning(for error: PostgresClientError) -> String? {
        for attempt in error.attempts + [error] {
            switch attempt.reason {
            case .tlsRequired:
                return "the upstream refused SSL (answered N to SSLRequest) though its sslmode requires TLS"
            case .protocolViolation(let message) where message.contains("unencrypted data after SSL response"):
                return "the upstream sent bytes after its S answer, before the TLS handshake: possible data "
                    + "injection (CVE-2021-23222)"
            default:
                continue
            }
        }
        return nil
    }

    private static func encoded(_ messages: [WireMessage]) -> ByteBuffer {
        var bytes = ByteBuffer()
        for message in messages { message.encode(into: &bytes) }
        return bytes
    }

    /// Why a connection to an upstream failed, in the client library's (libpq's) words — `Connection refused`,
    /// `could not translate host name "db" to address: Name or service not known` — or how long it waited.
    static func reason(_ error: any Error) -> String {
        if case ChannelError.connectTimeout(let timeout) = error {
            return "timed out after \(timeout.nanoseconds / 1_000_000) ms"
        }
        return PostgresClientError.Reason(connecting: error).message
    }

    /// The hint for a client whose upstream could not be reached: a name that does not resolve is a configuration
    /// matter, anything else asks whether the upstream server runs.
    static func hint(forConnectError error: any Error) -> String {
        if case .unknownHost = PostgresClientError.Reason(connecting: error) {
            return "Give the proxy an upstream host name this machine resolves, or an IP address."
        }
        return "Is the upstream server running?"
    }

    /// Sends a CancelRequest to the upstream that issued its key (with that upstream's key, which differs from the
    /// client's in the authenticating mode); a key no live session issued goes to the configured upstream as it
    /// is, or nowhere when there is none. The connection is logged as any other (opened, the CancelRequest,
    /// closed) and captured between the client and the upstream it went to (the proxy, when it went nowhere).
    private static func forwardCancel(
        _ request: CancelRequest, from connection: PostgresServerConnection, configuration: ProxyConfiguration,
        cancelKeys: CancelKeyTable, sinks: (log: TrafficLogSink, capture: TrafficLogSink?), group: any EventLoopGroup
    ) async {
        let tap = ConnectionTap(
            number: connection.number, configuration: configuration, sink: sinks.log, capture: sinks.capture)
        var bytes = ByteBuffer()
        FrontendMessage.cancelRequest(request).encode(into: &bytes)
        let destination =
            cancelKeys.destination(of: request)
            ?? configuration.upstream.map {
                CancelKeyTable.Destination(
                    upstream: $0, key: BackendKeyData(processID: request.processID, secretKey: request.secretKey))
            }
        logOpened(
            connection, to: destination?.upstream, orElse: "(no upstream)", client: nil, isCancelRequest: true, tap: tap
        )
        guard let destination else {
            tap.startCapture(client: connection.remoteAddress, server: connection.localAddress)
            tap.see(bytes, from: .frontend)
            tap.close(reason: "CancelRequest not forwarded: no session through this proxy has its key")
            return
        }
        var forwarded = ByteBuffer()
        FrontendMessage.cancelRequest(
            CancelRequest(processID: destination.key.processID, secretKey: destination.key.secretKey)
        ).encode(into: &forwarded)
        let upstream: any Channel
        do {
            upstream = try await ClientBootstrap(group: group)
                .connectTimeout(configuration.upstreamConnectTimeout)
                .connect(host: destination.upstream.host, port: destination.upstream.port).get()
        } catch {
            tap.startCapture(client: connection.remoteAddress, server: connection.localAddress)
            tap.see(bytes, from: .frontend)
            tap.close(reason: "CancelRequest not forwarded to \(destination.upstream): \(reason(error))")
            return
        }
        tap.startCapture(client: connection.remoteAddress, server: upstream.remoteAddress)
        tap.see(bytes, from: .frontend)
        do {
            try await upstream.writeAndFlush(forwarded)
            try await upstream.closeFuture.get()
            tap.close(reason: "CancelRequest forwarded to \(destination.upstream)")
        } catch {
            upstream.close(promise: nil)
            tap.close(reason: "CancelRequest not forwarded to \(destination.upstream): \(reason(error))")
        }
    }
}
