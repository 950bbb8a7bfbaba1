import PostgresClient

/// The PostgreSQL server `pgw proxy` relays to.
public struct UpstreamServer: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address connected to.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The libpq keywords of a connection string (empty for `HOST:PORT`): with `sslmode` `require`, `verify-ca` or
    /// `verify-full`, the proxy logs in upstream itself with the client library (see ``requiresTLS``).
    public var connectionParameters: [String: String]
    /// The environment the connection string is resolved in (`PG*` variables, `HOME` for the password file).
    public var environment: [String: String]
    /// Whether the upstream leg must use TLS (`sslmode` `require` or stronger).
    public var requiresTLS: Bool

    /// An upstream at `host:port`, plaintext.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        self.connectionParameters = [:]
        self.environment = [:]
        self.requiresTLS = false
    }

    /// Reads `HOST:PORT` (`[::1]:5432` for IPv6), or a libpq conninfo string or `postgresql://` URI, whose first
    /// host and port are used; missing parts come from the `PG*` variables in `environment` and libpq's defaults.
    public init(parsing text: String, environment: [String: String]) throws(ConnectionOptionError) {
        if let (host, port) = Self.hostAndPort(text) {
            self.init(host: host, port: port)
            return
        }
        // Neither HOST:PORT nor a connection string (a host alone, a port out of range): say what is wanted rather
        // than what the conninfo parser misses.
        guard text.isEmpty || text.contains("=") || text.contains("://") else { throw Self.usage }
        let parameters = try ConnectionString.parse(text)
        let options = try ConnectionOptions(parameters: parameters, environment: environment)
        guard let target = options.targets.first(where: { !$0.isUnixSocket }) else {
            guard !text.isEmpty else { throw Self.usage }
            throw ConnectionOptionError(
                "upstream \"\(text)\" names no TCP host; pgw proxy connects over TCP (give host=NAME or HOST:PORT)")
        }
        self.init(host: target.hostAddress.isEmpty ? target.host : target.hostAddress, port: target.port)
        connectionParameters = parameters
        self.environment = environment
        requiresTLS = [.require, .verifyCA, .verifyFull].contains(options.sslMode)
    }

    /// What to give when the text names no server the proxy can reach (nothing, or not a connection string).
    private static let usage = ConnectionOptionError("give HOST:PORT or a connection string (host=… port=…)")

    /// The client library's options for logging in upstream as `user` with `password` to `database`, from the
    /// connection string with those (and the client's `application_name`, `options`) put in; TLS secrets go to
    /// `keyLogFile` unless the connection string names its own `sslkeylogfile`.
    func clientOptions(
        startup: [String: String], password: String, keyLogFile: String? = nil
    ) throws(ConnectionOptionError) -> ConnectionOptions {
        var parameters = connectionParameters
        if parameters["sslkeylogfile"] == nil, let keyLogFile { parameters["sslkeylogfile"] = keyLogFile }
        parameters["user"] = startup["user"]
        parameters["dbname"] = startup["database"] ?? startup["user"]
        parameters["password"] = password
        for name in ["application_name", "options", "replication"] where startup[name] != nil {
            parameters[name] = startup[name]
        }
        return try ConnectionOptions(parameters: parameters, environment: environment)
    }

    /// `HOST:PORT` or `[V6]:PORT`, or `nil` when `text` is not of that shape.
    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard !text.contains("="), !text.contains("://"), let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.contains(":") == text.hasPrefix("[") else { return nil }
        return (host, port)
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
