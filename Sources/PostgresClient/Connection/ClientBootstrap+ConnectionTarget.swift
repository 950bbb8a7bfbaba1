import NIOCore
import NIOPosix

extension ClientBootstrap {
    /// Connects to `target` as libpq would: its Unix socket when the host is a directory, else `hostaddr` when
    /// given, else the address the host name was looked up to, else the host name.
    public func connect(to target: ConnectionTarget) async throws -> any Channel {
        if target.isUnixSocket {
            return try await connect(unixDomainSocketPath: target.unixSocketPath).get()
        }
        return try await connect(host: target.connectionAddress, port: target.port).get()
    }
}
