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
    case certificate
}
