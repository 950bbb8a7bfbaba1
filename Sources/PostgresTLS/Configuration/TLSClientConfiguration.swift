/// How the proxy opens TLS to an upstream server: libpq's `sslmode`, the name to send and check, trust and identity.
public struct TLSClientConfiguration: Sendable {
    /// What is required of the connection and the server's certificate.
    public var mode: TLSClientMode
    /// The server's host name (sent as SNI unless it is an IP address) or IP address, checked by `verify-full`.
    public var serverName: String?
    /// The authorities the server's certificate must chain to in `verify-ca` and `verify-full`.
    public var trustRoots: TLSTrustRoots
    /// A client certificate and key to present when the server asks for one.
    public var identity: TLSIdentity?
    /// The lowest TLS version accepted.
    public var minimumProtocolVersion: TLSProtocolVersion
    /// ALPN protocols offered; `postgresql` as libpq 17 does. Older servers ignore it.
    public var applicationProtocols: [String]
    /// Where to log TLS secrets for Wireshark; `nil` (the default) logs nothing.
    public var keyLog: TLSKeyLog?

    /// A configuration for `mode`, with libpq's defaults for everything else.
    public init(
        mode: TLSClientMode,
        serverName: String? = nil,
        trustRoots: TLSTrustRoots = .system,
        identity: TLSIdentity? = nil,
        minimumProtocolVersion: TLSProtocolVersion = .tls1_2,
        applicationProtocols: [String] = ["postgresql"],
        keyLog: TLSKeyLog? = nil
    ) {
        self.mode = mode
        self.serverName = serverName
        self.trustRoots = trustRoots
        self.identity = identity
        self.minimumProtocolVersion = minimumProtocolVersion
        self.applicationProtocols = applicationProtocols
        self.keyLog = keyLog
    }
}
