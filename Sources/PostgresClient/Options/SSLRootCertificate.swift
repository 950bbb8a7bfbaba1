/// Where the server's certificate must chain to: libpq's `sslrootcert`.
public enum SSLRootCertificate: Sendable, Hashable {
    /// The certificates in a PEM file (default `~/.postgresql/root.crt`).
    case file(String)
    /// The system's trust store (`sslrootcert=system`), which requires `sslmode=verify-full`.
    case system
}
