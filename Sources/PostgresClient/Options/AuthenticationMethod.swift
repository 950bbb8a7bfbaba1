/// An authentication method as `require_auth` names it.
public enum AuthenticationMethod: String, Sendable, Hashable, CaseIterable {
    /// AuthenticationCleartextPassword.
    case password
    /// AuthenticationMD5Password.
    case md5
    /// AuthenticationGSS.
    case gss
    /// AuthenticationSSPI.
    case sspi
    /// AuthenticationSASL with SCRAM-SHA-256(-PLUS).
    case scramSHA256 = "scram-sha-256"
    /// OAuth bearer tokens (PostgreSQL 18), which pgw does not implement.
    case oauth
    /// No authentication exchange at all (`trust`, or a client certificate alone).
    case none
}
