/// How a client secures its connection, with libpq's `sslmode` meanings.
public enum TLSClientMode: String, Sendable, Hashable, CaseIterable {
    /// No TLS: no `SSLRequest` is sent.
    case disable = "disable"
    /// TLS if the server accepts `SSLRequest`, plaintext if it answers `N`; the certificate is not checked.
    case prefer = "prefer"
    /// TLS or fail; the certificate is not checked.
    case require = "require"
    /// TLS or fail; the server's certificate must chain to the trust roots.
    case verifyCA = "verify-ca"
    /// Like ``verifyCA``, and the certificate must also name the server (DNS name, or IP address).
    case verifyFull = "verify-full"

    /// The mode for a libpq `sslmode` value such as `verify-full`.
    public init?(libpqName: String) {
        self.init(rawValue: libpqName)
    }

    /// Whether the client asks for TLS at all.
    public var requestsTLS: Bool { self != .disable }

    /// Whether the client goes on in plaintext when the server declines TLS.
    public var allowsPlaintextFallback: Bool { self == .prefer || self == .disable }

    /// Whether the server's certificate chain is verified.
    public var verifiesCertificate: Bool { self == .verifyCA || self == .verifyFull }
}
