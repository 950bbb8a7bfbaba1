/// PostgreSQL's MD5 password scheme: the `md5…` hash kept in `pg_authid` and the salted response a client sends.
///
/// PostgreSQL 18 deprecates MD5 passwords; prefer ``SCRAMVerifier``.
public enum MD5Password {
    /// The form PostgreSQL stores: `"md5"` and the hex MD5 of the password followed by the role name.
    public static func storedHash(user: String, password: String) -> String {
        "md5" + hex(CryptoPrimitives.md5(Array(password.utf8) + Array(user.utf8)))
    }

    /// What a client sends in its PasswordMessage after AuthenticationMD5Password with `salt`:
    /// `"md5"` + hex(md5(hex(md5(password + user)) + salt)).
    public static func clientResponse(user: String, password: String, salt: [UInt8]) -> String {
        clientResponse(storedHash: storedHash(user: user, password: password), salt: salt)
    }

    /// The response for `salt` computed from a ``storedHash(user:password:)`` form, which is all a server knows.
    public static func clientResponse(storedHash: String, salt: [UInt8]) -> String {
        "md5" + hex(CryptoPrimitives.md5(Array(storedHash.utf8.dropFirst(3)) + salt))
    }

    /// Whether `response` is the right answer for `salt` from the role whose stored form is `storedHash`,
    /// compared in constant time. A `storedHash` that ``isStoredHash(_:)`` rejects never matches.
    public static func verify(response: String, storedHash: String, salt: [UInt8]) -> Bool {
        isStoredHash(storedHash)
            && ConstantTime.equals(response.utf8, clientResponse(storedHash: storedHash, salt: salt).utf8)
    }

    /// Whether `text` is in the stored form, `"md5"` and 32 lowercase hex digits, which is how PostgreSQL tells an
    /// MD5 hash in `pg_authid.rolpassword` from a SCRAM verifier.
    public static func isStoredHash(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst(3)
        return text.hasPrefix("md5") && digits.count == 32 && digits.allSatisfy(hexDigits.contains)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }
}
