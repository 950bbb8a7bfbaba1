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
    /// The address ``host`` was looked up to, when the client looked it up (without ``hostAddress``); libpq
    /// tries each address of a name in turn and names it in errors.
    public var resolvedAddress: String?

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

    /// What libpq names in its errors (`emitHostIdentityInfo`): `server on socket "path"`; `server at
    /// "hostaddr", port N` when ``hostAddress`` is given; `server at "host" (address), port N` when the host was
    /// looked up to another text; otherwise `server at "host", port N`.
    public var serverDescription: String {
        if isUnixSocket { return "server on socket \"\(unixSocketPath)\"" }
        if !hostAddress.isEmpty { return "server at \"\(hostAddress)\", port \(port)" }
        if let resolvedAddress, resolvedAddress != host {
            return "server at \"\(host)\" (\(resolvedAddress)), port \(port)"
        }
        return "server at \"\(host)\", port \(port)"
    }

    /// The address to connect to: ``hostAddress`` when given, else ``resolvedAddress``, else ``host``.
    public var connectionAddress: String {
        hostAddress.isEmpty ? resolvedAddress ?? host : hostAddress
    }

    /// This target at one `address` of its host name.
    func resolved(to address: String) -> ConnectionTarget {
        var target = self
        target.resolvedAddress = address
        return target
    }

    /// The server and where the password came from, with the password masked.
    public var description: String {
        let password = password == nil ? "none" : passwordFile.map { "**** (from \($0))" } ?? "****"
        return "\(serverDescription), password \(password)"
    }
}
