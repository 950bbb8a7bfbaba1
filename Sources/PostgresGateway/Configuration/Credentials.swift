import PostgresTLS

/// What a client presented to authenticate, passed to the `validateCredentials` hook.
public enum Credentials: Sendable, Hashable {
    /// A clear-text password.
    case cleartextPassword(user: String, password: String)
    /// An md5 response, `md5` + md5(md5(password + user) + salt), and the salt it was made with.
    /// Check it with ``MD5Password/verify(response:storedHash:salt:)``.
    case md5Password(user: String, hash: String, salt: [UInt8])
    /// A client certificate that TLS verified against the configured CA and whose CN equals `user`.
    case certificate(user: String, certificate: TLSCertificateInfo)

    /// The user the client claims to be.
    public var user: String {
        switch self {
        case .cleartextPassword(let user, _), .md5Password(let user, _, _), .certificate(let user, _): user
        }
    }
}
