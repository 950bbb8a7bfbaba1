import NIOCore
import PostgresTLS
import PostgresWire

/// How a ``PostgresServerConnection`` serves its client.
///
/// Memory per connection is bounded by these settings whatever the client does: the inbound buffer holds at most
/// one message (``maximumStartupMessageLength`` before authentication, then ``maximumMessageLength``) plus one
/// socket read; replies wait in at most ``outboundFlushThreshold`` unflushed bytes plus the channel's write-buffer
/// high watermark (NIO's default: 64 KiB), because the connection stops reading while the client does not read.
public struct PostgresServerConnectionConfiguration: Sendable {
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
    /// TLS settings; when set, SSLRequest is answered `S` (and TLS is required unless ``requiresTLS`` is off).
    /// When `nil`, SSLRequest is answered `N`.
    public var tls: TLS?
    /// Whether a configured ``tls`` is required (the default): a plaintext StartupMessage then gets FATAL 28000.
    /// Off, plaintext clients are served too, as pgbouncer's `client_tls_sslmode=prefer`.
    public var requiresTLS: Bool
    /// Whether clients must present a certificate (which ``tls`` verifies): one without gets FATAL 28000
    /// `connection requires a valid client certificate`, as from PostgreSQL's `clientcert=verify-ca`.
    public var requiresClientCertificate: Bool
    /// Reported run-time parameters, sent after authentication in this order; `server_version` is added from ``serverVersion``.
    /// The client's `application_name`, `client_encoding`, `DateStyle` and `TimeZone` are echoed over these.
    public var serverParameters: [(name: String, value: String)]
    /// Parameters that logins of some users or databases get instead of ``serverParameters`` (a script's
    /// `server.logins`).
    public var loginParameters: [LoginParameters] = []
    /// How long the client has from connecting to sending its StartupMessage (TLS handshake included); a client
    /// still silent then is closed without a reply. Keeps stalled sockets from holding resources for long.
    public var startupTimeout: TimeAmount
    /// How long the client has from connecting to being authenticated (PostgreSQL's `authentication_timeout`).
    public var authenticationTimeout: TimeAmount
    /// The largest message accepted from the client once authenticated, header included (PostgreSQL: 1 GiB − 1).
    public var maximumMessageLength: Int
    /// The largest message accepted before authentication, header included: PostgreSQL's limit on authentication
    /// messages, 65,535 bytes plus the type byte. Startup packets are limited to 10,000 bytes in any case.
    public var maximumStartupMessageLength: Int
    /// Replies are flushed to the socket at the latest when this many bytes wait unflushed (PostgreSQL's send
    /// buffer is 8 KiB), even before Sync or Flush.
    public var outboundFlushThreshold: Int
    /// How long a closing TLS connection waits for the client's `close_notify` before closing the socket anyway.
    public var tlsShutdownTimeout: TimeAmount
    /// The server secret from which unknown users' mock SCRAM salts are derived (PostgreSQL's `mock_auth_nonce`);
    /// random per configuration. Keep it across restarts to keep those salts stable.
    public var mockAuthenticationNonce: [UInt8]
    /// Whether the connection answers a StartupMessage asking for a newer minor version or `_pq_.` options with
    /// NegotiateProtocolVersion itself, as PostgreSQL 18 does (the default); a proxy that replays the
    /// StartupMessage upstream turns it off and leaves that answer to the upstream or gives its own.
    public var negotiatesProtocolVersion: Bool

    /// Creates a configuration; the defaults are PostgreSQL's.
    public init(
        serverVersion: String = "18.0 (pgw)",
        authenticationMode: AuthenticationMode = .none,
        tls: TLS? = nil,
        requiresTLS: Bool = true,
        requiresClientCertificate: Bool = false,
        serverParameters: [(name: String, value: String)] = Self.defaultServerParameters,
        startupTimeout: TimeAmount = .seconds(10),
        authenticationTimeout: TimeAmount = .seconds(60),
        maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength,
        maximumStartupMessageLength: Int = 65_536,
        outboundFlushThreshold: Int = 8_192,
        tlsShutdownTimeout: TimeAmount = .seconds(5),
        mockAuthenticationNonce: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) },
        negotiatesProtocolVersion: Bool = true
    ) {
        self.serverVersion = serverVersion
        self.authenticationMode = authenticationMode
        self.tls = tls
        self.requiresTLS = requiresTLS
        self.requiresClientCertificate = requiresClientCertificate
        self.serverParameters = serverParameters
        self.startupTimeout = startupTimeout
        self.authenticationTimeout = authenticationTimeout
        self.maximumMessageLength = maximumMessageLength
        self.maximumStartupMessageLength = maximumStartupMessageLength
        self.outboundFlushThreshold = outboundFlushThreshold
        self.tlsShutdownTimeout = tlsShutdownTimeout
        self.mockAuthenticationNonce = mockAuthenticationNonce
        self.negotiatesProtocolVersion = negotiatesProtocolVersion
    }

    /// The parameters PostgreSQL reports by default, with their default values.
    public static let defaultServerParameters: [(name: String, value: String)] = [
        ("application_name", ""), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
        ("TimeZone", "UTC"),
        ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("IntervalStyle", "postgres"),
        ("is_superuser", "off"), ("default_transaction_read_only", "off"), ("in_hot_standby", "off"),
    ]

    /// The parameters reported after authentication, `server_version` included.
    var reportedParameters: [(name: String, value: String)] {
        [("server_version", serverVersion)] + serverParameters.filter { $0.name != "server_version" }
    }

    /// The parameters reported after a login of `user` to `database` (``reportedParameters`` with the
    /// ``loginParameters`` it matches).
    func reportedParameters(user: String, database: String) -> [(name: String, value: String)] {
        LoginParameters.applying(loginParameters, to: reportedParameters, user: user, database: database)
    }
}
