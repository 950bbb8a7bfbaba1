/// One server a connection may be made to: an entry of libpq's `host`/`hostaddr`/`port` lists.
public struct ConnectionTarget: Sendable, Hashable, CustomStringConvertible {
    /// The host name, IP address or Unix socket directory (starting with `/`); empty when only `hostaddr` is given.
    public let host: String
    /// The numeric address to connect to instead of resolving ``host``; empty when not given.
    public let hostAddress: String
    /// The TCP port, or the number in the Unix socket's file name.
    public let port: Int
    /// The password for this server: the `password` option, else the password file's entry.
    public let password: String?
    /// Where ``password`` came from, when it was read from a password file (libpq names it in errors).
    public let passwordFile: String?

    /// A target.
    public init(host: String, hostAddress: String, port: Int, password: String?, passwordFile: String?) {
        self.host = host
        self.hostAddress = hostAddress
        self.port = port
        self.password = password
        self.passwordFile = passwordFile
    }

    /// Whether the connection goes to a Unix socket, `<host>/.s.PGSQL.<port>`.
    public var isUnixSocket: Bool { hostAddress.isEmpty && host.hasPrefix("/") }

    /// The Unix socket path, when ``isUnixSocket``.
    public var unixSocketPath: String { "\(host)/.s.PGSQL.\(port)" }

    /// What libpq names in its errors: `server at "host" (address), port N` or `socket "path"`.
    public var serverDescription: String {
        if isUnixSocket { return "socket \"\(unixSocketPath)\"" }
        if hostAddress.isEmpty || hostAddress == host { return "server at \"\(host)\", port \(port)" }
        if host.isEmpty { return "server at \"\(hostAddress)\", port \(port)" }
        return "server at \"\(host)\" (\(hostAddress)), port \(port)"
    }

    /// The server and where the password came from, with the password masked.
    public var description: String {
        let password = password == nil ? "none" : passwordFile.map { "**** (from \($0))" } ?? "****"
        return "\(serverDescription), password \(password)"
    }
}
