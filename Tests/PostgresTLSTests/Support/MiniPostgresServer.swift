import NIOCore
import NIOPosix
import PostgresTLS

/// A minimal PostgreSQL front door on 127.0.0.1 for real clients (`psql`, `openssl s_client`): TLS by
/// `SSLRequest` or directly, then a login answered by ``StartupResponder``.
struct MiniPostgresServer: Sendable {
    /// The port it listens on.
    let port: Int
    /// What it saw on each connection.
    let log: ServerLog
    private let channel: any Channel

    /// Starts listening; `makeTLSHandler` builds each connection's server handler.
    static func start(makeTLSHandler: @escaping @Sendable () throws -> TLSHandler) async throws -> MiniPostgresServer {
        let log = ServerLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let index = log.open()
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSNegotiationHandler(makeTLSHandler: makeTLSHandler),
                        StartupResponder(log: log, index: index),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return MiniPostgresServer(port: channel.localAddress!.port!, log: log, channel: channel)
    }

    /// Stops listening.
    func stop() async throws {
        try await channel.close()
    }
}
