import NIOCore

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

extension SyntheticTCPStream.Endpoint {
    /// The endpoint of an IPv4 or IPv6 socket address, or `nil` for other kinds (Unix sockets).
    init?(_ address: SocketAddress?) {
        guard let address, let text = address.ipAddress, let port = address.port else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &bytes) == 1 {
            self.init(address: Array(bytes.prefix(4)), port: UInt16(port))
        } else if inet_pton(AF_INET6, text, &bytes) == 1 {
            self.init(address: bytes, port: UInt16(port))
        } else {
            return nil
        }
    }
}
