/// libpq's `gssencmode`, as far as a client without GSSAPI can follow it.
public enum GSSEncryptionMode: String, Sendable, Hashable, CaseIterable {
    /// Never send GSSENCRequest.
    case disable
    /// Send GSSENCRequest first; the usual answer `N` lets the connection go on, and a server that accepts
    /// (`G`) is left for a new connection without GSSAPI encryption, which pgw cannot do.
    case prefer
    /// GSSAPI encryption or fail; always fails, since pgw has no GSSAPI.
    case require
}
