import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension CommandFailure {
    /// Why a subcommand could not listen on `host`:`port`: the address, the system's reason and a hint (for a
    /// busy port, a privileged port, a host name that does not resolve).
    static func listening(on host: String, port: Int, _ error: any Error) -> CommandFailure {
        let shown = ListenAddress.text(host: host, port: port)
        switch error {
        case let error as IOError:
            let hint =
                switch error.errnoCode {
                case EADDRINUSE:
                    "\nhint: another server (a PostgreSQL?) uses this port; choose another, or 0 for a free one"
                case EACCES: "\nhint: ports below 1024 need privileges; choose a higher port"
                case EADDRNOTAVAIL: "\nhint: the address is not one of this machine's; try 127.0.0.1 or 0.0.0.0"
                default: ""
                }
            return CommandFailure(
                "cannot listen on \(shown): \(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"
                    + hint)
        case let error as SocketAddressError.UnknownHost:
            return CommandFailure(
                "cannot listen on \(shown): could not translate host name \"\(error.host)\" to address: "
                    + "\(error.errorDescription)\nhint: give a name this machine resolves, or an IP address")
        default:
            return CommandFailure("cannot listen on \(shown): \(error)")
        }
    }
}
