import NIOCore
import NIOPosix

/// Finds a TCP port on 127.0.0.1 that nothing is listening on right now.
enum FreeLoopbackPort {
    /// Binds an ephemeral port, reads its number and releases it.
    static func find() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else {
            throw TLSTestError.missingPrerequisite("a free TCP port on 127.0.0.1")
        }
        return port
    }
}
