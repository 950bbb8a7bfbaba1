import PostgresGateway

/// The users given with `--user`, as authentication hooks.
struct UserDirectory: Sendable {
    /// Passwords by user name.
    let users: [String: String]
    /// Whether certificate logins must also name a listed user.
    let restrictsCertificateUsers: Bool

    var hooks: PostgresConnectionHooks {
        let users = self.users
        let restricts = restrictsCertificateUsers
        let verifiers = users.mapValues { SCRAMVerifier.make(password: $0).stringValue }
        return PostgresConnectionHooks(
            validateCredentials: { credentials, _ in
                switch credentials {
                case .cleartextPassword(let user, let password):
                    guard let expected = users[user] else { return false }
                    return ConstantTime.equals(Array(expected.utf8), Array(password.utf8))
                case .md5Password(let user, let hash, let salt):
                    guard let password = users[user] else { return false }
                    return MD5Password.verify(
                        response: hash, storedHash: MD5Password.storedHash(user: user, password: password), salt: salt)
                case .certificate(let user, _):
                    return !restricts || users[user] != nil
                }
            },
            scramVerifier: { user, _ in verifiers[user] }
        )
    }
}
