import PostgresClient
import PostgresWire

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

    /// Reads `HOST:PORT` (`[::1]:5432` for IPv6), `HOST` alone, or a libpq conninfo string or `postgresql://` URI,
    /// whose first host and port are used; missing parts (and `sslmode`, …) come from the `PG*` variables in
    /// `environment` and libpq's defaults, whatever the form. Errors never repeat a password the text holds.
    public init(parsing text: String, environment: [String: String]) throws(ConnectionOptionError) {
        do {
            try self.init(unmaskedParsing: text, environment: environment)
        } catch {
            throw ConnectionOptionError(Self.maskingPasswords(in: error.message, of: text))
        }
    }

    private init(unmaskedParsing text: String, environment: [String: String]) throws(ConnectionOptionError) {
        let parameters: [String: String]
        if text.isEmpty || text.contains("=") || text.contains("://") {
            parameters = try ConnectionString.parse(text)
        } else {
            parameters = try Self.hostAndPortParameters(text)
        }
        let options = try ConnectionOptions(parameters: parameters, environment: environment)
        guard let target = options.targets.first(where: { !$0.isUnixSocket }) else {
            guard !text.isEmpty else {
                throw ConnectionOptionError(
                    "no upstream server: give --upstream HOST:PORT or a connection string, or set PGHOST (without a "
                        + "host, libpq connects to the Unix socket \(options.targets.first?.unixSocketPath ?? ""), "
                        + "and pgw proxy connects over TCP)")
            }
            throw ConnectionOptionError(
                "upstream \"\(text)\" names no TCP host; pgw proxy connects over TCP (give host=NAME or HOST:PORT)")
        }
        self.host = target.hostAddress.isEmpty ? target.host : target.hostAddress
        self.port = target.port
        connectionParameters = parameters
        self.environment = environment
        requiresTLS = [.require, .verifyCA, .verifyFull].contains(options.sslMode)
    }

    /// The conninfo keywords `HOST:PORT`, `[V6]:PORT`, `HOST`, `[V6]` or a bare IPv6 address stand for (`host`,
    /// and `port` when given: libpq's defaults apply to the rest); a port that is not a number from 1 to 65535 is
    /// refused in libpq's words.
    static func hostAndPortParameters(_ text: String) throws(ConnectionOptionError) -> [String: String] {
        var host = text
        var port: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConnectionOptionError("missing \"]\" after the IPv6 address in \"\(text)\" (give [ADDRESS]:PORT)")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ConnectionOptionError("unexpected \"\(after)\" after the IPv6 address in \"\(text)\"")
                }
                port = String(after.dropFirst())
            }
        } else if let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon {
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty else {
            throw ConnectionOptionError("upstream \"\(text)\" names no host (give HOST:PORT)")
        }
        guard let port else { return ["host": host] }
        guard let number = Int(port), (1...65_535).contains(number) else {
            throw ConnectionOptionError("invalid port number: \"\(port)\" (give a port from 1 to 65535)")
        }
        return ["host": host, "port": String(number)]
    }

    /// `message` with every password `text` holds (`password=…`, `sslpassword=…`, a URI's `user:password@`)
    /// masked as `****`, and `text` itself repeated masked.
    static func maskingPasswords(in message: String, of text: String) -> String {
        var secrets: [String] = []
        let isURI = text.contains("://")
        let value = isURI ? #"[^&\s]+"# : #"'(?:[^'\\]|\\.)*'|\S+"#
        if let pattern = try? Regex(#"(?:ssl)?password\s*=\s*("# + value + ")") {
            for match in text.matches(of: pattern) {
                if let secret = match.output[1].substring, !secret.isEmpty { secrets.append(String(secret)) }
            }
        }
        if isURI, let pattern = try? Regex(#"://[^@/?]*?:([^@/?]*)@"#) {
            for match in text.matches(of: pattern) {
                if let secret = match.output[1].substring, !secret.isEmpty { secrets.append(String(secret)) }
            }
        }
        var masked = text
        for secret in secrets { masked = masked.replacing(secret, with: "****") }
        var result = message.replacing(text, with: masked)
        for secret in secrets { result = result.replacing(secret, with: "****") }
        return result
    }

    /// The client library's options for logging in upstream with `password` and the client's `startup` parameters:
    /// the connection string with the client's `user`, `database` (`dbname`), `application_name`, `options` and
    /// `replication` put in, and every other parameter the client sent (`TimeZone`, `DateStyle`, `client_encoding`,
    /// `search_path`, any setting) passed on as it is, in the client's order. TLS secrets go to `keyLogFile`
    /// unless the connection string names its own `sslkeylogfile`.
    ///
    /// The password is the client's and only the client's: an empty one is refused (the client library would look
    /// one up in the proxy's password file), and every server gets it, whatever `PGPASSWORD` or a password file
    /// says. The default client certificate is not presented (see ``PostgresProxy``: a login the proxy's own
    /// certificate made, without the client's password, is refused).
    func clientOptions(
        startup: [StartupMessage.Parameter], password: String, keyLogFile: String? = nil
    ) throws(ConnectionOptionError) -> ConnectionOptions {
        var sent: [String: String] = [:]
        for parameter in startup { sent[parameter.name] = parameter.value }
        guard !password.isEmpty else {
            throw ConnectionOptionError("password authentication failed for user \"\(sent["user"] ?? "")\"")
        }
        var parameters = connectionParameters
        if parameters["sslkeylogfile"] == nil, let keyLogFile { parameters["sslkeylogfile"] = keyLogFile }
        parameters["user"] = sent["user"]
        parameters["dbname"] = sent["database"] ?? sent["user"]
        parameters["password"] = password
        let keywords = ["application_name", "options", "replication"]
        for name in keywords where sent[name] != nil {
            parameters[name] = sent[name]
        }
        var options = try ConnectionOptions(parameters: parameters, environment: environment)
        let passedOn = Set(["user", "database"] + keywords)
        options.additionalStartupParameters = startup.filter { !passedOn.contains($0.name) }
        // libpq's default client certificate (~/.postgresql/postgresql.crt) is the proxy's, not the client's: it is
        // presented only when the connection string or PGSSLCERT names it.
        if (parameters["sslcert"] ?? environment["PGSSLCERT"] ?? "").isEmpty {
            options.presentsClientCertificate = false
        }
        options.targets = options.targets.map {
            ConnectionTarget(
                host: $0.host, hostAddress: $0.hostAddress, port: $0.port, password: password, passwordFile: nil)
        }
        return options
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
