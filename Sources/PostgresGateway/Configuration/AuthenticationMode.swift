/// How a connection authenticates its client.
public enum AuthenticationMode: String, Sendable, Hashable, CaseIterable {
    /// No authentication (PostgreSQL's `trust`).
    case none
    /// The client sends its password in clear text (PostgreSQL's `password`); use it over TLS only.
    case cleartextPassword
    /// The client sends `md5(md5(password + user) + salt)` (PostgreSQL's `md5`).
    case md5Password
    /// SCRAM-SHA-256, and SCRAM-SHA-256-PLUS with channel binding when the connection uses TLS.
    case scramSHA256
    /// A TLS client certificate, verified against the configured CA, whose CN equals the user (PostgreSQL's `cert`).
    ///
    /// Ask for the certificate with `TLSClientCertificateVerification.optional`, as PostgreSQL does: a client
    /// without one then completes the handshake and is refused at login with `connection requires a valid client
    /// certificate` (28000), which it can show, instead of a TLS alert.
    case certificate
}
