import NIOCore
import Testing

@testable import PostgresClient

#if canImport(Glibc)
    import Glibc
#endif

/// libpq's TCP options end up on the socket.
struct TCPSettingsTests {
    @Test func keepaliveOptionsAreSetOnTheSocket() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await RealPostgresClientTests.connect(
            "host=127.0.0.1 port=\(servers.plainPort) user=trust_user dbname=postgres sslmode=disable "
                + "keepalives_idle=7 keepalives_interval=3 keepalives_count=4 tcp_user_timeout=9000")
        func option(_ level: Int32, _ name: Int32) async throws -> SocketOptionValue {
            try await connection.channel.getOption(ChannelOptions.socket(SocketOptionLevel(level), name)).get()
        }
        #expect(try await option(SOL_SOCKET, SO_KEEPALIVE) != 0)
        #if os(Linux)
            #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 7)
            #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPINTVL) == 3)
            #expect(try await option(Int32(IPPROTO_TCP), TCP_KEEPCNT) == 4)
            #expect(try await option(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 9000)
        #endif
        await connection.close()
    }
}
