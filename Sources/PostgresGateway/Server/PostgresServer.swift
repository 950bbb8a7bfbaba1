import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresWire

/// Listens on a TCP address and serves every accepted client with a ``PostgresConnection``.
public final class PostgresServer: Sendable {
    private let serverChannel: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: PostgresConnection]>

    private init(serverChannel: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: PostgresConnection]>) {
        self.serverChannel = serverChannel
        self.connections = connections
    }

    /// Binds `host:port` (port 0 picks a free one) and starts accepting. Clients beyond `maximumConnections`
    /// get FATAL 53300 `sorry, too many clients already`, like PostgreSQL's `max_connections`.
    public static func bind(
        host: String = "127.0.0.1",
        port: Int = 5432,
        configuration: PostgresConnectionConfiguration = PostgresConnectionConfiguration(),
        hooks: PostgresConnectionHooks = PostgresConnectionHooks(),
        maximumConnections: Int = 100,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PostgresServer {
        let connections = NIOLockedValueBox<[ObjectIdentifier: PostgresConnection]>([:])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Admission and registration under one lock, so concurrent accepts cannot exceed the limit.
                    let key = try connections.withLockedValue { open -> ObjectIdentifier? in
                        guard open.count < maximumConnections else { return nil }
                        let connection = try PostgresConnection.install(
                            on: channel, configuration: configuration, hooks: hooks)
                        open[ObjectIdentifier(connection)] = connection
                        return ObjectIdentifier(connection)
                    }
                    guard let key else {
                        try channel.pipeline.syncOperations.addHandler(ConnectionLimitHandler())
                        return
                    }
                    channel.closeFuture.whenComplete { _ in
                        _ = connections.withLockedValue { $0.removeValue(forKey: key) }
                    }
                }
            }
            .bind(host: host, port: port)
            .get()
        return PostgresServer(serverChannel: channel, connections: connections)
    }

    /// The address the server listens on.
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The number of open client connections.
    public var connectionCount: Int { connections.withLockedValue { $0.count } }

    /// Stops accepting, sends every client FATAL 57P01 `terminating connection due to administrator command`,
    /// and closes the connections.
    public func shutdown() async {
        try? await serverChannel.close()
        let open = connections.withLockedValue { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for connection in open {
                group.addTask {
                    try? await connection.sendError(
                        severity: "FATAL",
                        code: SQLState.adminShutdown.rawValue,
                        message: "terminating connection due to administrator command"
                    )
                    try? await connection.close()
                }
            }
        }
    }
}
