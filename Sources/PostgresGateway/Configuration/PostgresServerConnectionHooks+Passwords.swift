import PostgresAuthentication

extension PostgresServerConnectionHooks {
    /// These hooks, authenticating against fixed user names and passwords in every mode: cleartext (compared in
    /// constant time, length included), md5, SCRAM-SHA-256 (verifiers made once, here) and certificates (the
    /// verified CN must be a listed user, unless `certificateUsersMustBeListed` is false). Users with an empty
    /// password never authenticate, as in PostgreSQL.
    public func authenticating(
        passwords: [String: String],
        certificateUsersMustBeListed: Bool = true
    ) -> PostgresServerConnectionHooks {
        // PostgreSQL never authenticates an empty password: such users are treated as unknown.
        let passwords = passwords.filter { !$0.value.isEmpty }
        let verifiers = passwords.mapValues { SCRAMVerifier.make(password: $0).stringValue }
        var hooks = self
        hooks.validateCredentials = { credentials, _ in
            switch credentials {
            case .cleartextPassword(let user, let password):
                guard let expected = passwords[user] else { return false }
                return ConstantTime.equalsSecret(expected.utf8, password.utf8)
            case .md5Password(let user, let hash, let salt):
                guard let password = passwords[user] else { return false }
                let stored = MD5Password.storedHash(user: user, password: password)
                return MD5Password.verify(response: hash, storedHash: stored, salt: salt)
            case .certificate(let user, _):
                return !certificateUsersMustBeListed || passwords[user] != nil
            }
        }
        hooks.scramVerifier = { user, _ in verifiers[user] }
        return hooks
    }
}
