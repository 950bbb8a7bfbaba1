import NIOCore

extension SocketAddress {
    /// `HOST:PORT` as logs and messages show an endpoint (`127.0.0.1:5432`, `[::1]:5432`); a Unix socket's path.
    public var hostAndPort: String {
        guard let host = ipAddress, let port else { return pathname ?? "\(self)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
