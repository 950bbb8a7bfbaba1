/// The keys RFC 5802 derives from a password (`H` is SHA-256, `HMAC` is HMAC-SHA-256):
/// SaltedPassword = Hi(SASLprep(password), salt, i), ClientKey = HMAC(SaltedPassword, "Client Key"),
/// StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
struct SCRAMKeys {
    /// ClientKey, whose knowledge the client proves.
    let clientKey: [UInt8]
    /// StoredKey = H(ClientKey), what the server keeps to check the client's proof.
    let storedKey: [UInt8]
    /// ServerKey, with which the server signs its final message.
    let serverKey: [UInt8]

    /// Derives the keys from `password` (SASLprep-normalized), `salt` and `iterations` of PBKDF2-SHA-256.
    init(password: String, salt: [UInt8], iterations: Int) {
        let saltedPassword = CryptoPrimitives.pbkdf2SHA256(
            password: SASLprep.prepare(password), salt: salt, iterations: iterations)
        clientKey = CryptoPrimitives.hmacSHA256(key: saltedPassword, data: Array("Client Key".utf8))
        storedKey = CryptoPrimitives.sha256(clientKey)
        serverKey = CryptoPrimitives.hmacSHA256(key: saltedPassword, data: Array("Server Key".utf8))
    }

    /// ClientSignature (keyed with StoredKey) or ServerSignature (keyed with ServerKey): HMAC(key, AuthMessage).
    static func signature(key: [UInt8], authMessage: [UInt8]) -> [UInt8] {
        CryptoPrimitives.hmacSHA256(key: key, data: authMessage)
    }

    /// The byte-wise XOR that turns ClientKey into ClientProof under ClientSignature, and back.
    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }
}
