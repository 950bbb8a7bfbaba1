/// libpq's `sslnegotiation`: how TLS is started.
public enum SSLNegotiation: String, Sendable, Hashable, CaseIterable {
    /// Send SSLRequest and start TLS on `S` (every PostgreSQL version).
    case postgres
    /// Start TLS at once, with ALPN `postgresql` (PostgreSQL 17 and later); needs `sslmode` require or stronger.
    case direct
}
