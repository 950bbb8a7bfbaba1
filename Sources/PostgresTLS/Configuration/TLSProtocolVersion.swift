import COpenSSL

/// A TLS protocol version, for the lowest one a context accepts.
public enum TLSProtocolVersion: Sendable, Hashable, CaseIterable {
    /// TLS 1.2, PostgreSQL's default minimum.
    case tls1_2
    /// TLS 1.3.
    case tls1_3

    /// OpenSSL's constant for the version (`TLS1_2_VERSION`, `TLS1_3_VERSION`).
    var openSSLVersion: Int32 {
        switch self {
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }
}
