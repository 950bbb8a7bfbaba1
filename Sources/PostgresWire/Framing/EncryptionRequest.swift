/// A request to encrypt the connection before startup.
public enum EncryptionRequest: Sendable, Hashable {
    /// SSLRequest, answered by `S` or `N`.
    case ssl
    /// GSSENCRequest, answered by `G` or `N`.
    case gss
}
