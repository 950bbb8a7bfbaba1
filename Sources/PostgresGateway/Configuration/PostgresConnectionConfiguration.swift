import NIOCore
import PostgresTLS
import PostgresWire

/// How a ``PostgresConnection`` serves its client.
public struct PostgresConnectionConfiguration: Sendable {
    /// Where the TLS certificate comes from.
    public enum TLS: Sendable {
        /// One server context for every connection.
        case context(TLSServerContext)
        /// A context chosen per connection from the SNI server name (may be `nil`); it may be computed asynchronously.
        case perServerName(TLSServerContextProvider)
    }

    /// The version reported as the `server_version` parameter.
    public var serverVersion: String
    /// How clients authenticate.
    public var authenticationMode: AuthenticationMode
    /// TLS settings; when set, TLS is required. When `nil`, SSLRequest is answered `N`.
    public var tls: TLS?
    /// Reported run-time parameters, sent after authentication in this order; `server_version` is added from ``serverVersion``.
    /// The client's `application_name`, `client_encoding`, `DateStyle` and `TimeZone` are echoed over these.
    public var serverParameters: [(name: String, value: String)]
    /// How long the client has from connecting to being authenticated (PostgreSQL's `authentication_timeout`).
    public var authenticationTimeout: TimeAmount
    /// The largest message accepted from the client, header included.
    public var maximumMessageLength: Int

    /// Creates a configuration; the defaults are PostgreSQL's.
    public init(
        serverVersion: String = "18.0 (pgw)",
        authenticationMode: AuthenticationMode = .none,
        tls: TLS? = nil,
        serverParameters: [(name: String, value: String)] = Self.defaultServerParameters,
        authenticationTimeout: TimeAmount = .seconds(60),
        maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength
    ) {
        self.serverVersion = serverVersion
        self.authenticationMode = authenticationMode
        self.tls = tls
        self.serverParameters = serverParameters
        self.authenticationTimeout = authenticationTimeout
        self.maximumMessageLength = maximumMessageLength
    }

    /// The parameters PostgreSQL reports by default, with their default values.
    public static let defaultServerParameters: [(name: String, value: String)] = [
        ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"), ("TimeZone", "UTC"),
        ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("IntervalStyle", "postgres"),
        ("is_superuser", "off"), ("default_transaction_read_only", "off"), ("in_hot_standby", "off"),
    ]

    /// The parameters reported after authentication, `server_version` included.
    var reportedParameters: [(name: String, value: String)] {
        [("server_version", serverVersion)] + serverParameters.filter { $0.name != "server_version" }
    }
}
