import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ClientBootstrap {
    /// The bootstrap with `settings` as socket options (for TCP connections; not for Unix sockets).
    func applying(_ settings: TCPSettings) -> ClientBootstrap {
        var bootstrap = channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: settings.keepalives ? 1 : 0)
        #if os(Linux)
            let tcpOptions: [(Int32, Int?)] = [
                (TCP_KEEPIDLE, settings.keepalivesIdle), (TCP_KEEPINTVL, settings.keepalivesInterval),
                (TCP_KEEPCNT, settings.keepalivesCount), (TCP_USER_TIMEOUT, settings.userTimeout),
            ]
            for case (let name, let value?) in tcpOptions {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), name), value: SocketOptionValue(value))
            }
        #endif
        return bootstrap
    }
}
