/// Whether a server asks clients for a certificate, and what it does without one.
public enum TLSClientCertificateVerification: Sendable {
    /// No certificate is requested.
    case none
    /// A certificate is requested and, if sent, must chain to `trustRoots`; clients without one are let in.
    case optional(trustRoots: TLSTrustRoots)
    /// A certificate chaining to `trustRoots` is required; the handshake fails without one.
    case required(trustRoots: TLSTrustRoots)
}
