import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresWire

/// Listens on a TCP address and serves every accepted client with a ``PostgresServerConnection``.
///
/// Like PostgreSQL's `max_connections`, at most `maximumConnections` sessions run at once; a client beyond that
/// gets FATAL 53300 `sorry, too many clients already` after its SSLRequest exchange and StartupMessage, so libpq
/// shows it as such. Sockets that have not sent a StartupMessage yet do not count as sessions; they get
/// ``PostgresServerConnectionConfiguration/startupTimeout`` to send one, and at most `maximumConnections` of them
/// wait at once besides the sessions, so stalled sockets hold a client out for that long at most. A socket beyond
/// those gets the same FATAL 53300 (``RefusedConnectionHandler``) within a second, and is closed. When `accept()`
/// fails for want of file descriptors, accepting pauses for a second (``AcceptPauseHandler``) and the failure is
/// logged.
public final class PostgresServer: Sendable {
    private let serverChannel: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: PostgresServerConnection]>
    private let admission: ConnectionAdmission
    private let logger: Logger
    /// The sessions' cancel keys: a CancelRequest from a client cancels the statement of the session it names;
    /// ``CancelRegistry/cancel(_:)`` does the same from code.
    public let cancelRegistry: CancelRegistry

    private init(
        serverChannel: any Channel,
        connections: NIOLockedValueBox<[ObjectIdentifier: PostgresServerConnection]>,
        admission: ConnectionAdmission,
        cancelRegistry: CancelRegistry,
        logger: Logger
    ) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.admission = admission
        self.cancelRegistry = cancelRegistry
        self.logger = logger
    }

    /// Binds `host:port` (port 0 picks a free one) and starts accepting.
    /// - Parameters:
    ///   - maximumConnections: the most sessions at once (PostgreSQL's `max_connections`); the same number of
    ///     not-yet-started sockets may wait besides them.
    ///   - logger: gets the server's and every connection's events; each connection's carry `pgw.connection`
    ///     (a number counting from 1), the client's address and, once known, the user and database.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 5432,
        configuration: PostgresServerConnectionConfiguration = PostgresServerConnectionConfiguration(),
        hooks: PostgresServerConnectionHooks = PostgresServerConnectionHooks(),
        maximumConnections: Int = 1_000,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "pgw.gateway", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresServer {
        precondition(maximumConnections > 0, "maximumConnections must be positive")
        let connections = NIOLockedValueBox<[ObjectIdentifier: PostgresServerConnection]>([:])
        let admission = ConnectionAdmission(maximumSessions: maximumConnections)
        let cancelRegistry = CancelRegistry()
        let accepted = NIOLockedValueBox(0)
        let maximumSockets = 2 * maximumConnections
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(logger: logger))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = try connections.withLockedValue { open -> Int? in
                        guard open.count < maximumSockets else { return nil }
                        let number = accepted.withLockedValue { count in
                            count += 1
                            return count
                        }
                        var connectionLogger = logger
                        connectionLogger[metadataKey: "pgw.connection"] = "\(number)"
                        let connection = try PostgresServerConnection.install(
                            on: channel, number: number, configuration: configuration, hooks: hooks,
                            admission: admission,
                            cancelRegistry: cancelRegistry, logger: connectionLogger)
                        let key = ObjectIdentifier(connection)
                        open[key] = connection
                        channel.closeFuture.whenComplete { _ in
                            _ = connections.withLockedValue { $0.removeValue(forKey: key) }
                        }
                        return number
                    }
                    if number == nil {
                        logger.warning(
                            "refusing a new connection with FATAL 53300: \(maximumSockets) sockets are open",
                            metadata: ["pgw.client": "\(channel.remoteAddress?.hostAndPort ?? "?")"])
                        try channel.pipeline.syncOperations.addHandler(RefusedConnectionHandler())
                    }
                }
            }
            .bind(host: host, port: port)
            .get()
        return PostgresServer(
            serverChannel: channel, connections: connections, admission: admission, cancelRegistry: cancelRegistry,
            logger: logger)
    }

    /// The address the server listens on.
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The number of open client connections, sessions and sockets still starting alike.
    public var connectionCount: Int { connections.withLockedValue { $0.count } }

    /// The number of sessions counted against the connection limit.
    public var sessionCount: Int { admission.sessionCount }

    /// Stops accepting, sends every client FATAL 57P01 `terminating connection due to administrator command`,
    /// and closes the connections: each once its error is written, or after `timeout` if its client does not read.
    public func shutdown(timeout: TimeAmount = .seconds(5)) async {
        try? await serverChannel.close()
        let open = connections.withLockedValue { Array($0.values) }
        if !open.isEmpty {
            logger.info("shutting down: terminating \(open.count) connection\(open.count == 1 ? "" : "s")")
        }
        let diagnostic = DiagnosticMessage(
            severity: "FATAL",
            sqlState: SQLState.adminShutdown.rawValue,
            message: "terminating connection due to administrator command"
        )
        await withTaskGroup(of: Void.self) { group in
            for connection in open {
                group.addTask { await connection.terminate(with: diagnostic, timeout: timeout) }
            }
        }
    }
}
