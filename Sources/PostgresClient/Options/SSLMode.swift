/// libpq's `sslmode`: whether TLS is tried, required and verified.
public enum SSLMode: String, Sendable, Hashable, CaseIterable {
    /// Plaintext only.
    case disable
    /// Plaintext first; TLS only if the plaintext attempt fails.
    case allow
    /// TLS first; plaintext if the server declines TLS or the TLS attempt fails (libpq's default).
    case prefer
    /// TLS or fail; the certificate is checked only when a root certificate file exists (as in libpq).
    case require
    /// TLS or fail; the certificate must chain to `sslrootcert`.
    case verifyCA = "verify-ca"
    /// TLS or fail; the certificate must chain to `sslrootcert` and name the host.
    case verifyFull = "verify-full"

    /// Whether a plaintext connection is never acceptable.
    public var requiresTLS: Bool { self == .require || self == .verifyCA || self == .verifyFull }
}
