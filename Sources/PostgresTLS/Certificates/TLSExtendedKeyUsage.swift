/// A purpose in a certificate's extended key usage extension.
public enum TLSExtendedKeyUsage: String, Sendable, Hashable, CaseIterable {
    /// TLS server authentication (`id-kp-serverAuth`).
    case serverAuth
    /// TLS client authentication (`id-kp-clientAuth`).
    case clientAuth
}
