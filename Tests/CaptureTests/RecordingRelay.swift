import NIOCore
import NIOPosix
import PostgresTestSupport

/// A TCP relay on 127.0.0.1 that forwards each accepted connection to a PostgreSQL server
/// and records every byte that passes, per connection and direction.
actor RecordingRelay {
    private let targetHost: String
    private let targetPort: Int
    private let store = RelayCaptureStore()
    private var serverChannel: (any Channel)?

    /// Creates a relay to the server at `targetHost:targetPort`; call ``start()`` to listen.
    init(targetHost: String = "127.0.0.1", targetPort: Int) {
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    /// Starts listening on an ephemeral loopback port and returns it.
    func start() async throws -> Int {
        let store = store
        let targetHost = targetHost
        let targetPort = targetPort
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { client in
                Self.connect(client, to: targetHost, port: targetPort, recordingInto: store)
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        serverChannel = channel
        guard let port = channel.localAddress?.port else {
            throw TestSupportError.missingPrerequisite("a local port for the recording relay")
        }
        return port
    }

    /// What every connection accepted so far carried, in the order they were accepted.
    func captures() -> [ConnectionCapture] {
        store.captures
    }

    /// Waits until every accepted connection has closed on both sides, or throws after `timeout`.
    func waitUntilAllConnectionsClosed(timeout: Duration = .seconds(15)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while store.openConnectionCount > 0 {
            guard clock.now < deadline else {
                throw TestSupportError.timedOut(
                    "\(store.openConnectionCount) relayed connection(s) still open after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops accepting connections. Connections still open are left to finish by themselves.
    func stop() async {
        try? await serverChannel?.close()
        serverChannel = nil
    }

    /// Connects to the server for a newly accepted client and joins the two channels.
    /// The client channel is registered (and starts reading) only after the returned future succeeds.
    private static func connect(
        _ client: any Channel,
        to host: String,
        port: Int,
        recordingInto store: RelayCaptureStore
    ) -> EventLoopFuture<Void> {
        let connection = store.openConnection()
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: host, port: port)
            .flatMapThrowing { server in
                let handlers = RelayForwardingHandler.matchedPair(connection: connection, store: store)
                do {
                    try client.pipeline.syncOperations.addHandler(handlers.client)
                    try server.pipeline.syncOperations.addHandler(handlers.server)
                } catch {
                    server.close(promise: nil)
                    throw error
                }
                client.closeFuture.and(server.closeFuture).whenComplete { _ in
                    store.closeConnection(connection)
                }
            }
            .flatMapErrorThrowing { error in
                store.closeConnection(connection)
                throw error
            }
    }
}
