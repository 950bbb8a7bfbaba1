/// How one connection attempt starts TLS.
enum TLSStart: Sendable, Hashable {
    /// Plaintext: no SSLRequest.
    case none
    /// SSLRequest; on `N`, plaintext if `required` is false, else a failure.
    case sslRequest(required: Bool)
    /// TLS at once, with ALPN `postgresql` (`sslnegotiation=direct`).
    case direct
}
