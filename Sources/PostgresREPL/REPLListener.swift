import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresGateway
import PostgresTLS
import PostgresWire

/// The REPL's server side (`pgw repl --listen`): listens, accepts one client, shows what it sends and sends it the
/// backend messages typed.
///
/// The accepted channel carries one ``REPLServerHandler``, the one way bytes reach the client. `\auto-startup` adds
/// PostgresGateway's connection handler behind it for the startup (trust authentication); once the gateway has sent
/// ReadyForQuery, it detaches itself and the REPL has the channel alone again.
public final class REPLListener: REPLTransport {
    /// The accepted client, once there is one, and whether startups are answered automatically.
    private struct State {
        var channel: (any Channel)?
        var handler: NIOLoopBound<REPLServerHandler>?
        var answersStartup = false
    }

    /// The address listened on (the port chosen when 0 was asked for).
    public let localAddress: SocketAddress
    /// The client's messages, and what pgw sent on its own, in order; ends when the client's connection closes.
    public let events: AsyncStream<REPLEvent>
    private let serverChannel: any Channel
    private let state: NIOLockedValueBox<State>

    private init(
        localAddress: SocketAddress, events: AsyncStream<REPLEvent>, serverChannel: any Channel,
        state: NIOLockedValueBox<State>
    ) {
        self.localAddress = localAddress
        self.events = events
        self.serverChannel = serverChannel
        self.state = state
    }

    /// Listens on `host:port` (0 picks a free port); the first client to connect is the one served, and the
    /// listening socket closes then. With `tlsContext`, an SSLResponse `S` (typed, or `\auto-startup`'s answer)
    /// starts TLS; without, `\auto-startup` answers N.
    public static func listen(host: String, port: Int, tlsContext: TLSServerContext? = nil) async throws
        -> REPLListener
    {
        let (events, continuation) = AsyncStream<REPLEvent>.makeStream()
        let state = NIOLockedValueBox(State())
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try accept(channel, tlsContext: tlsContext, state: state, continuation: continuation)
                }
            }
            .bind(host: host, port: port)
            .get()
        guard let address = serverChannel.localAddress else {
            try? await serverChannel.close()
            throw REPLConnectionError("cannot listen on \(host):\(port): no local address")
        }
        return REPLListener(localAddress: address, events: events, serverChannel: serverChannel, state: state)
    }

    /// Serves `channel` if it is the first client (others are closed), on its event loop.
    private static func accept(
        _ channel: any Channel, tlsContext: TLSServerContext?, state: NIOLockedValueBox<State>,
        continuation: AsyncStream<REPLEvent>.Continuation
    ) throws {
        let handler = REPLServerHandler(continuation: continuation, tlsContext: tlsContext)
        let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        let answersStartup = state.withLockedValue { state -> Bool? in
            guard state.channel == nil else { return nil }
            (state.channel, state.handler) = (channel, bound)
            return state.answersStartup
        }
        guard let answersStartup else {
            channel.close(promise: nil)
            return
        }
        // Before the first read: with `\auto-startup` given already, no startup packet is offered to `\expect`.
        handler.answersStartup = answersStartup
        try channel.pipeline.syncOperations.addHandler(handler)
        continuation.yield(.accepted(channel.remoteAddress?.hostAndPort ?? "an unknown address"))
        if answersStartup {
            Task {
                do {
                    try await answerStartup(on: channel, handler: bound)
                } catch {
                    continuation.yield(.failure("\\auto-startup failed: \(error)"))
                }
            }
        }
    }

    /// Typed lines are backend messages.
    public var direction: MessageDirection { .backend }

    /// Sends `bytes` to the client and flushes; fails when no client has connected or it has gone.
    public func send(_ bytes: ByteBuffer, messages: [WireMessage]) async throws {
        let (channel, handler) = try client()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute { handler.value.send(bytes, messages: messages, promise: promise) }
        try await promise.futureResult.get()
    }

    /// Answers the client's SSLRequest (N, or S and TLS with a TLS context), StartupMessage and authentication
    /// (trust) through PostgresGateway, now if a client waits, or as soon as one connects; returns the offsets of the
    /// client's packets that were reported as messages and are now answered.
    public func startAutomaticStartup() async throws -> [Int] {
        let client = state.withLockedValue { state in
            defer { state.answersStartup = true }
            return state.answersStartup ? nil : state.channel.map { ($0, state.handler!) }
        }
        guard let (channel, handler) = client else { return [] }
        // A client gone before the line ran (its close seen or not yet) cannot be answered.
        guard channel.isActive else { throw REPLConnectionError("the client has closed the connection") }
        return try await Self.answerStartup(on: channel, handler: handler)
    }

    /// Adds the gateway's connection handler behind the REPL's and passes the client's startup packets to it (the
    /// gateway detaches once authenticated); returns the offsets of the packets reported as messages.
    @discardableResult
    private static func answerStartup(on channel: any Channel, handler: NIOLoopBound<REPLServerHandler>)
        async throws -> [Int]
    {
        let hooks = PostgresServerConnectionHooks(onAuthenticated: { connection in
            // It sent AuthenticationOk through ReadyForQuery; the REPL takes over (it passed nothing more on).
            _ = try await connection.detach()
        })
        let gateway: PostgresServerConnection
        do {
            gateway = try await PostgresServerConnection.start(
                on: channel, configuration: PostgresServerConnectionConfiguration(authenticationMode: .none),
                hooks: hooks)
        } catch ChannelError.ioOnClosedChannel {
            throw REPLConnectionError("the client has closed the connection")
        }
        do {
            return try await channel.eventLoop.submit { try handler.value.passStartupOn() }.get()
        } catch {
            _ = try? await gateway.detach()
            throw error
        }
    }

    /// Fails: a client cancels on a connection of its own.
    public func cancel() async throws {
        throw REPLConnectionError("\\cancel is for client mode; in server mode the client sends CancelRequest")
    }

    /// Fails: in server mode, TLS starts when `SSLResponse S` is sent (with TLS options).
    public func startTLS() async throws {
        throw REPLConnectionError(
            "\\tls is for client mode (--raw); in server mode, sending SSLResponse S starts TLS (with --tls-cert)")
    }

    /// Stops listening and closes the client's connection.
    public func close() async {
        try? await serverChannel.close()
        let channel = state.withLockedValue { $0.channel }
        try? await channel?.close()
    }

    /// ``noClientYet`` until a client has connected.
    public var unavailableReason: String? {
        state.withLockedValue { $0.channel != nil } ? nil : noClientYet
    }

    /// Why nothing can be sent before a client connects.
    private var noClientYet: String { "no client has connected yet (listening on \(localAddress.hostAndPort))" }

    private func client() throws -> (any Channel, NIOLoopBound<REPLServerHandler>) {
        let client = state.withLockedValue { state in state.channel.map { ($0, state.handler!) } }
        guard let client else { throw REPLConnectionError(noClientYet) }
        return client
    }
}
