/// A SCRAM-SHA-256 verifier as PostgreSQL stores it in `pg_authid.rolpassword`:
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, with base64 salt and keys.
///
/// It lets a server check a client's proof without knowing the password. Passwords are prepared with
/// SASLprep the way PostgreSQL does before hashing; see ``make(password:salt:iterations:)``.
public struct SCRAMVerifier: Sendable, Hashable {
    /// The PBKDF2 iteration count.
    public let iterations: Int
    /// The salt, which PostgreSQL makes 16 random bytes long.
    public let salt: [UInt8]
    /// H(ClientKey): what a client's proof must hash to.
    public let storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key"): what signs the server-final-message.
    public let serverKey: [UInt8]

    /// The iteration counts PostgreSQL accepts: 1 to `Int32.max`.
    public static let iterationRange = 1...Int(Int32.max)

    /// What the text form starts with, before its first `$`.
    public static let prefix = "SCRAM-SHA-256"

    private init(iterations: Int, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Parses PostgreSQL's text form, as ``stringValue`` prints it.
    public init(parsing text: String) throws(SCRAMError) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix else {
            throw .malformedVerifier("expected \(Self.prefix)$<iterations>:<salt>$<StoredKey>:<ServerKey>")
        }
        let parameters = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        let keys = parts[2].split(separator: ":", omittingEmptySubsequences: false)
        guard parameters.count == 2, keys.count == 2 else {
            throw .malformedVerifier("expected <iterations>:<salt> and <StoredKey>:<ServerKey>")
        }
        guard let iterations = Int(parameters[0]), Self.iterationRange.contains(iterations) else {
            throw .malformedVerifier("the iteration count is not a number from 1 to \(Int32.max)")
        }
        guard let salt = Base64.decode(parameters[1].utf8) else {
            throw .malformedVerifier("the salt is not base64")
        }
        guard let storedKey = Base64.decode(keys[0].utf8), let serverKey = Base64.decode(keys[1].utf8),
            storedKey.count == CryptoPrimitives.sha256Length, serverKey.count == CryptoPrimitives.sha256Length
        else {
            throw .malformedVerifier("StoredKey and ServerKey must be \(CryptoPrimitives.sha256Length) bytes in base64")
        }
        self.init(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey)
    }

    /// PostgreSQL's text form, for `CREATE ROLE … PASSWORD '…'` or ``init(parsing:)``.
    public var stringValue: String {
        "\(Self.prefix)$\(iterations):\(Base64.encode(salt))$\(Base64.encode(storedKey)):\(Base64.encode(serverKey))"
    }

    /// Derives the verifier of `password`.
    ///
    /// The password is prepared as PostgreSQL's `pg_saslprep` does: unchanged when ASCII; otherwise non-ASCII
    /// spaces become spaces, characters mapped to nothing are dropped and the result is NFKC-normalized, unless
    /// that leaves it empty or it holds prohibited or (in Unicode 3.2) unassigned characters, in which case its
    /// raw UTF-8 is used. Not applied: RFC 3454's bidirectional rule, under which PostgreSQL also hashes the raw
    /// bytes of a password mixing right-to-left and left-to-right text (it matters only if mapping or NFKC
    /// changes such a password).
    /// - Parameters:
    ///   - salt: the salt; `nil` for 16 random bytes, like PostgreSQL.
    ///   - iterations: the PBKDF2 iteration count, in ``iterationRange``; PostgreSQL's default is 4096.
    public static func make(password: String, salt: [UInt8]? = nil, iterations: Int = 4096) -> SCRAMVerifier {
        precondition(iterationRange.contains(iterations), "SCRAM iteration count out of range: \(iterations)")
        let salt = salt ?? CryptoPrimitives.randomBytes(count: 16)
        let keys = SCRAMKeys(password: password, salt: salt, iterations: iterations)
        return SCRAMVerifier(iterations: iterations, salt: salt, storedKey: keys.storedKey, serverKey: keys.serverKey)
    }

    /// PostgreSQL's `mock_scram_secret`: the verifier an unknown user is given, so that a client cannot tell it
    /// from a real one. The salt is the first 16 bytes of SHA-256(`user` + `nonce`), stable for a user as long as
    /// the server keeps its `nonce`; the iteration count is the default, 4096; the keys are zero, which no proof
    /// matches. Costs one hash, no PBKDF2.
    public static func mock(user: String, nonce: [UInt8]) -> SCRAMVerifier {
        let salt = Array(CryptoPrimitives.sha256(Array(user.utf8) + nonce).prefix(16))
        let zero = [UInt8](repeating: 0, count: CryptoPrimitives.sha256Length)
        return SCRAMVerifier(iterations: 4096, salt: salt, storedKey: zero, serverKey: zero)
    }

    /// Whether `password` derives this verifier's keys, compared in constant time.
    public func verify(password: String) -> Bool {
        let keys = SCRAMKeys(password: password, salt: salt, iterations: iterations)
        return ConstantTime.equals(keys.storedKey + keys.serverKey, storedKey + serverKey)
    }
}
