import PostgresAuthentication

extension PostgresServerConnectionHooks {
    /// These hooks, authenticating against fixed user names and stored passwords in every mode, as PostgreSQL
    /// checks `pg_authid` (``StoredPassword``: each is a password, an md5 hash or a SCRAM verifier, as `pgw certs`
    /// makes them): cleartext (a password compared in constant time, length included; a hash or verifier derived
    /// from it), md5 (against a password or an md5 hash), SCRAM-SHA-256 (against a password, whose verifier is made
    /// once, here, or a verifier) and certificates (the verified CN must be a listed user, unless
    /// `certificateUsersMustBeListed` is false). A login that the user's stored form cannot check fails as a wrong
    /// password does (an md5 login against a SCRAM verifier, a SCRAM login against an md5 hash), and so do users
    /// with an empty password, as in PostgreSQL.
    public func authenticating(
        passwords: [String: StoredPassword],
        certificateUsersMustBeListed: Bool = true
    ) -> PostgresServerConnectionHooks {
        // PostgreSQL never authenticates an empty password: such users are treated as unknown.
        let passwords = passwords.filter { $0.value != .password("") }
        let verifiers = passwords.compactMapValues { $0.makeSCRAMVerifier()?.stringValue }
        var hooks = self
        hooks.validateCredentials = { credentials, _ in
            switch credentials {
            case .cleartextPassword(let user, let password):
                return passwords[user]?.matches(cleartext: password, user: user) ?? false
            case .md5Password(let user, let hash, let salt):
                guard let stored = passwords[user]?.md5Hash(user: user) else { return false }
                return MD5Password.verify(response: hash, storedHash: stored, salt: salt)
            case .certificate(let user, _):
                return !certificateUsersMustBeListed || passwords[user] != nil
            }
        }
        hooks.scramVerifier = { user, _ in verifiers[user] }
        return hooks
    }

    /// ``authenticating(passwords:certificateUsersMustBeListed:)`` with the passwords themselves.
    public func authenticating(
        passwords: [String: String],
        certificateUsersMustBeListed: Bool = true
    ) -> PostgresServerConnectionHooks {
        authenticating(
            passwords: passwords.mapValues(StoredPassword.password),
            certificateUsersMustBeListed: certificateUsersMustBeListed)
    }
}
