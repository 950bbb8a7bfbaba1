import Foundation
import PostgresTLS
import PostgresWire

/// Everything a connection needs, from a libpq connection string (conninfo or URI), libpq's `PG*` environment
/// variables and libpq's defaults, with libpq's names, meanings and error messages.
///
/// Precedence is libpq's: the string, then the `service` section of `pg_service.conf`, then the environment
/// variable, then the default (`user` is the operating system user, `dbname` the user, `host` the Unix socket
/// directory, `port` 5432). Passwords missing from all of these are looked up in the password file for each
/// host. Files are found from `HOME` (else the user's home directory), as libpq does.
public struct ConnectionOptions: Sendable, CustomStringConvertible {
    /// The servers to try, in order.
    public var targets: [ConnectionTarget]
    /// The role to log in as.
    public var user: String
    /// The database; for `replication=true`, ignored by the server.
    public var database: String
    /// `application_name` (or `fallback_application_name`), sent at startup when set.
    public var applicationName: String?
    /// `options`: command-line options for the server, such as `-c search_path=app`.
    public var commandLineOptions: String?
    /// `client_encoding`, sent at startup when set.
    public var clientEncoding: String?
    /// `replication`: `true`/`database` (or libpq's boolean spellings), sent at startup when set.
    public var replication: String?
    /// `connect_timeout` per host; `nil` waits as long as the operating system does.
    public var connectTimeout: Duration?
    /// `keepalives` (default on) with `keepalives_idle`, `keepalives_interval` and `keepalives_count` in seconds
    /// and probes (`nil`: the system's), and `tcp_user_timeout` in milliseconds (`nil`: the system's).
    public var tcpSettings: TCPSettings
    /// `sslmode`.
    public var sslMode: SSLMode
    /// `sslnegotiation`.
    public var sslNegotiation: SSLNegotiation
    /// `sslrootcert`: what the server's certificate must chain to.
    public var sslRootCertificate: SSLRootCertificate
    /// `sslcert`: the client certificate, used when the file exists.
    public var sslCertificate: String
    /// `sslkey`: the client certificate's key.
    public var sslKey: String
    /// `sslpassword`: the passphrase of ``sslKey``.
    public var sslPassword: String?
    /// `sslcertmode=disable`: never present ``sslCertificate``, even when the server asks (`allow`, the default,
    /// presents it when asked; `require` is refused, since pgw cannot tell whether the server asked).
    public var presentsClientCertificate: Bool
    /// `sslsni`: whether the host name is sent in the TLS ServerNameIndication.
    public var sendsServerName: Bool
    /// `ssl_min_protocol_version` (default TLS 1.2; `TLSv1` and `TLSv1.1` are raised to TLS 1.2, which OpenSSL 3
    /// requires at its default security level).
    public var sslMinimumProtocolVersion: TLSProtocolVersion
    /// `sslkeylogfile`: where TLS secrets are logged for Wireshark.
    public var sslKeyLogFile: String?
    /// `load_balance_hosts=random`: the hosts are tried in random order.
    public var loadBalancesHosts: Bool
    /// `channel_binding`.
    public var channelBinding: ChannelBindingMode
    /// `gssencmode`.
    public var gssEncryptionMode: GSSEncryptionMode
    /// `require_auth`.
    public var requiredAuthentication: AuthenticationRequirement
    /// `min_protocol_version`.
    public var minimumProtocolVersion: ProtocolVersion
    /// `max_protocol_version`: the version asked for in the StartupMessage.
    public var maximumProtocolVersion: ProtocolVersion
    /// `target_session_attrs`.
    public var targetSessionAttributes: TargetSessionAttributes
    /// Warnings libpq would print, such as a password file readable by others.
    public var warnings: [String]
    /// Startup parameters sent after libpq's own, each in place of the one of libpq's with its name: server
    /// settings no keyword sets (`TimeZone`, `DateStyle`, `search_path`…), which a proxy passes on from its client.
    /// Empty unless set.
    public var additionalStartupParameters: [StartupMessage.Parameter] = []

    /// Debian's Unix socket directory, libpq's default host.
    public static let defaultSocketDirectory = "/var/run/postgresql"

    /// Options from `connectionString` (conninfo or URI), `environment` and the defaults.
    /// - Parameters:
    ///   - environment: the `PG*` variables and `HOME`; the process's by default.
    ///   - systemUser: the default user; the effective user's name by default.
    public init(
        _ connectionString: String = "",
        environment: [String: String] = ProcessInfo.processInfo.environment,
        systemUser: String? = nil
    ) throws(ConnectionOptionError) {
        try self.init(
            parameters: try ConnectionString.parse(connectionString), environment: environment,
            systemUser: systemUser)
    }

    /// Options from keyword/value `parameters` (as ``ConnectionString/parse(_:)`` returns), `environment` and the
    /// defaults.
    public init(
        parameters: [String: String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        systemUser: String? = nil
    ) throws(ConnectionOptionError) {
        for name in parameters.keys where ConnectionKeyword.named(name) == nil {
            throw ConnectionOptionError("invalid connection option \"\(name)\"")
        }
        let home = environment["HOME"] ?? Self.homeDirectory() ?? ""
        var parameters = parameters
        if let service = parameters["service"] ?? environment["PGSERVICE"], !service.isEmpty {
            let serviceOptions = try ServiceFile.options(service: service, environment: environment, home: home)
            parameters.merge(serviceOptions) { explicit, _ in explicit }
        }
        func value(_ name: String) -> String? {
            if let value = parameters[name] { return value }
            guard let variable = ConnectionKeyword.named(name)?.environmentVariable else { return nil }
            return environment[variable]
        }
        func nonEmpty(_ name: String) -> String? { value(name).flatMap { $0.isEmpty ? nil : $0 } }
        func choice<T: RawRepresentable<String>>(_ name: String, default fallback: T) throws(ConnectionOptionError)
            -> T
        {
            guard let text = nonEmpty(name) else { return fallback }
            guard let parsed = T(rawValue: text) else {
                throw ConnectionOptionError("invalid \(name) value: \"\(text)\"")
            }
            return parsed
        }
        var warnings: [String] = []

        user = nonEmpty("user") ?? systemUser ?? Self.systemUserName()
        database = nonEmpty("dbname") ?? user
        applicationName = nonEmpty("application_name") ?? nonEmpty("fallback_application_name")
        commandLineOptions = nonEmpty("options")
        clientEncoding = nonEmpty("client_encoding")
        replication = nonEmpty("replication")
        if let timeout = nonEmpty("connect_timeout") {
            let seconds = try Self.integer(timeout, option: "connect_timeout")
            connectTimeout = seconds > 0 ? .seconds(max(seconds, 2)) : nil
        } else {
            connectTimeout = nil
        }

        func optionalInteger(_ name: String) throws(ConnectionOptionError) -> Int? {
            try nonEmpty(name).map { text throws(ConnectionOptionError) in try Self.integer(text, option: name) }
        }
        tcpSettings = TCPSettings(
            keepalives: try optionalInteger("keepalives").map { $0 != 0 } ?? true,
            keepalivesIdle: try optionalInteger("keepalives_idle"),
            keepalivesInterval: try optionalInteger("keepalives_interval"),
            keepalivesCount: try optionalInteger("keepalives_count"),
            userTimeout: try optionalInteger("tcp_user_timeout"))
        sslNegotiation = try choice("sslnegotiation", default: .postgres)
        let rootCertificate = nonEmpty("sslrootcert")
        sslRootCertificate =
            rootCertificate == "system" ? .system : .file(rootCertificate ?? "\(home)/.postgresql/root.crt")
        sslMode = try choice("sslmode", default: rootCertificate == "system" ? .verifyFull : .prefer)
        if sslRootCertificate == .system && sslMode != .verifyFull {
            throw ConnectionOptionError(
                "weak sslmode \"\(sslMode.rawValue)\" may not be used with sslrootcert=system (use \"verify-full\")")
        }
        if sslNegotiation == .direct && !sslMode.requiresTLS {
            throw ConnectionOptionError(
                "weak sslmode \"\(sslMode.rawValue)\" may not be used with sslnegotiation=direct (use \"require\", "
                    + "\"verify-ca\", or \"verify-full\")")
        }
        sslCertificate = nonEmpty("sslcert") ?? "\(home)/.postgresql/postgresql.crt"
        sslKey = nonEmpty("sslkey") ?? "\(home)/.postgresql/postgresql.key"
        sslPassword = nonEmpty("sslpassword")
        switch nonEmpty("sslcertmode") {
        case nil, "allow": presentsClientCertificate = true
        case "disable": presentsClientCertificate = false
        case "require": throw ConnectionOptionError("sslcertmode value \"require\" is not supported by pgw")
        case let text?: throw ConnectionOptionError("invalid sslcertmode value: \"\(text)\"")
        }
        // Security settings pgw cannot honour are refused rather than ignored.
        for keyword in ["requirepeer", "sslcrl", "sslcrldir", "ssl_max_protocol_version"] where nonEmpty(keyword) != nil
        {
            throw ConnectionOptionError("\(keyword) is not supported by pgw")
        }
        sendsServerName = (nonEmpty("sslsni") ?? "1") == "1"
        switch nonEmpty("ssl_min_protocol_version") {
        case nil, "TLSv1", "TLSv1.1", "TLSv1.2": sslMinimumProtocolVersion = .tls1_2
        case "TLSv1.3": sslMinimumProtocolVersion = .tls1_3
        case let text?: throw ConnectionOptionError("invalid ssl_min_protocol_version value: \"\(text)\"")
        }
        sslKeyLogFile = nonEmpty("sslkeylogfile")
        switch nonEmpty("load_balance_hosts") {
        case nil, "disable": loadBalancesHosts = false
        case "random": loadBalancesHosts = true
        case let text?: throw ConnectionOptionError("invalid load_balance_hosts value: \"\(text)\"")
        }
        channelBinding = try choice("channel_binding", default: .prefer)
        gssEncryptionMode = try choice("gssencmode", default: .disable)
        requiredAuthentication = try nonEmpty("require_auth").map(AuthenticationRequirement.init(parsing:)) ?? .any
        minimumProtocolVersion = try Self.protocolVersion(
            nonEmpty("min_protocol_version"), option: "min_protocol_version")
        // As libpq 18: without max_protocol_version, a minimum above 3.0 raises the maximum to the latest version.
        maximumProtocolVersion =
            try nonEmpty("max_protocol_version").map { text throws(ConnectionOptionError) in
                try Self.protocolVersion(text, option: "max_protocol_version")
            } ?? (minimumProtocolVersion > .v3_0 ? .v3_2 : .v3_0)
        if minimumProtocolVersion > maximumProtocolVersion {
            throw ConnectionOptionError("min_protocol_version is greater than max_protocol_version")
        }
        targetSessionAttributes = try choice("target_session_attrs", default: .any)

        // Hosts, addresses and ports: comma-separated lists that must line up, as in libpq's connectOptions2.
        let hosts = value("host").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let addresses = value("hostaddr").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let count = hosts?.count ?? addresses?.count ?? 1
        if let hosts, let addresses, hosts.count != addresses.count {
            throw ConnectionOptionError(
                "could not match \(hosts.count) host names to \(addresses.count) hostaddr values")
        }
        let ports = value("port").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let ports, ports.count != 1, ports.count != count {
            throw ConnectionOptionError("could not match \(ports.count) port numbers to \(count) hosts")
        }
        let explicitPassword = value("password").flatMap { $0.isEmpty ? nil : $0 }
        let passwordFilePath = nonEmpty("passfile") ?? "\(home)/.pgpass"
        let passwordFile =
            explicitPassword == nil ? PasswordFile(path: passwordFilePath, warn: { warnings.append($0) }) : nil
        var targets: [ConnectionTarget] = []
        for index in 0..<count {
            let address = addresses?[index] ?? ""
            var host = hosts?[index] ?? ""
            if host.isEmpty && address.isEmpty { host = Self.defaultSocketDirectory }
            let portText = ports.map { $0.count == 1 ? $0[0] : $0[index] } ?? ""
            let port = portText.isEmpty ? 5432 : try Self.integer(portText, option: "port")
            guard (1...65535).contains(port) else {
                throw ConnectionOptionError("invalid port number: \"\(portText)\"")
            }
            let filePassword = passwordFile?.password(
                host: host.isEmpty ? address : host, port: portText, database: database, user: user)
            targets.append(
                ConnectionTarget(
                    host: host, hostAddress: address, port: port, password: explicitPassword ?? filePassword,
                    passwordFile: filePassword == nil ? nil : passwordFile?.path))
        }
        self.targets = loadBalancesHosts ? targets.shuffled() : targets
        self.warnings = warnings
    }

    /// The main settings, for logs: passwords and the key passphrase are masked.
    public var description: String {
        let servers = targets.map(\.description).joined(separator: "; ")
        return "user=\(user) dbname=\(database) sslmode=\(sslMode.rawValue) channel_binding=\(channelBinding.rawValue) "
            + "sslpassword=\(sslPassword == nil ? "none" : "****") servers: \(servers)"
    }

    /// The parameters of the StartupMessage, in libpq's order, then ``additionalStartupParameters``.
    public var startupParameters: [StartupMessage.Parameter] {
        var parameters = [StartupMessage.Parameter("user", user)]
        if !database.isEmpty { parameters.append(.init("database", database)) }
        if let replication { parameters.append(.init("replication", replication)) }
        if let commandLineOptions { parameters.append(.init("options", commandLineOptions)) }
        if let applicationName { parameters.append(.init("application_name", applicationName)) }
        if let clientEncoding { parameters.append(.init("client_encoding", clientEncoding)) }
        let replaced = Set(additionalStartupParameters.map(\.name))
        parameters.removeAll { replaced.contains($0.name) }
        return parameters + additionalStartupParameters
    }

    /// `text` as libpq reads an integer option (surrounding blanks allowed), or libpq's error naming `option`:
    /// `invalid integer value "abc" for connection option "port"`.
    public static func integer(_ text: String, option: String) throws(ConnectionOptionError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConnectionOptionError("invalid integer value \"\(text)\" for connection option \"\(option)\"")
        }
        return value
    }

    private static func protocolVersion(_ text: String?, option: String) throws(ConnectionOptionError)
        -> ProtocolVersion
    {
        switch text {
        case nil, "3.0": return .v3_0
        case "3.2", "latest": return .v3_2
        case let text?: throw ConnectionOptionError("invalid \(option) value: \"\(text)\"")
        }
    }

    private static func systemUserName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "" }
        return String(cString: name)
    }

    private static func homeDirectory() -> String? {
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
