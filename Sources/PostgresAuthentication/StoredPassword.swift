/// A role's password as a server keeps it, in one of the forms PostgreSQL's `pg_authid.rolpassword` holds: a SCRAM
/// verifier (`SCRAM-SHA-256$…`), an md5 hash (`md5` and 32 hex digits), or, for a server configured by hand, the
/// password itself. What each login method can check follows PostgreSQL: a cleartext password against any form;
/// an md5 response against the password or an md5 hash; a SCRAM exchange against the password or a verifier.
public enum StoredPassword: Sendable, Hashable {
    /// The password itself.
    case password(String)
    /// An md5 hash, ``MD5Password/storedHash(user:password:)``.
    case md5Hash(String)
    /// A SCRAM-SHA-256 verifier.
    case scramVerifier(SCRAMVerifier)

    /// Reads `text` as PostgreSQL reads a stored password: `SCRAM-SHA-256$…` must be a well-formed verifier (a
    /// malformed one throws rather than being taken for a password), `md5` and 32 lowercase hex digits is an md5
    /// hash, anything else the password.
    public init(parsing text: String) throws(SCRAMError) {
        if text.hasPrefix(SCRAMVerifier.prefix + "$") {
            self = .scramVerifier(try SCRAMVerifier(parsing: text))
        } else if MD5Password.isStoredHash(text) {
            self = .md5Hash(text)
        } else {
            self = .password(text)
        }
    }

    /// Whether `password`, sent in cleartext by `user`, is this one: compared in constant time with the password,
    /// or hashed as the stored form was.
    public func matches(cleartext password: String, user: String) -> Bool {
        switch self {
        case .password(let expected):
            ConstantTime.equalsSecret(expected.utf8, password.utf8)
        case .md5Hash(let hash):
            ConstantTime.equals(MD5Password.storedHash(user: user, password: password).utf8, hash.utf8)
        case .scramVerifier(let verifier):
            verifier.verify(password: password)
        }
    }

    /// The md5 hash an md5 login of `user` is checked against; `nil` for a SCRAM verifier, from which none can be
    /// derived.
    public func md5Hash(user: String) -> String? {
        switch self {
        case .password(let password): MD5Password.storedHash(user: user, password: password)
        case .md5Hash(let hash): hash
        case .scramVerifier: nil
        }
    }

    /// The verifier a SCRAM exchange is checked against (made from the password with a random salt); `nil` for an
    /// md5 hash, from which none can be derived.
    public func makeSCRAMVerifier() -> SCRAMVerifier? {
        switch self {
        case .password(let password): SCRAMVerifier.make(password: password)
        case .md5Hash: nil
        case .scramVerifier(let verifier): verifier
        }
    }

    /// The form's name for messages: `a password`, `an md5 hash`, `a SCRAM verifier`.
    public var formDescription: String {
        switch self {
        case .password: "a password"
        case .md5Hash: "an md5 hash"
        case .scramVerifier: "a SCRAM verifier"
        }
    }
}
