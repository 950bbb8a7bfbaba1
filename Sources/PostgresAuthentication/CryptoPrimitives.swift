import COpenSSL
import PostgresTLS

/// The digests, MAC, key derivation and random bytes that password authentication needs, from OpenSSL.
///
/// These fail only when OpenSSL is broken or refuses an algorithm (MD5 under a FIPS-only configuration),
/// so a failure stops the process with OpenSSL's reasons. As in the rest of the OpenSSL bridge, each call starts
/// with an empty error queue (`ERR_clear_error`), so the reasons reported are this call's, and a failure drains
/// the queue into an ``OpenSSLError``, leaving nothing behind for the thread's next OpenSSL call.
enum CryptoPrimitives {
    /// The length of a SHA-256 digest, and so of every SCRAM-SHA-256 key and signature.
    static let sha256Length = 32

    /// The MD5 digest of `data`.
    static func md5(_ data: [UInt8]) -> [UInt8] {
        digest(data, algorithm: EVP_md5(), name: "MD5")
    }

    /// The SHA-256 digest of `data`.
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        digest(data, algorithm: EVP_sha256(), name: "SHA-256")
    }

    /// HMAC-SHA-256 of `data` under `key`.
    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        ERR_clear_error()
        let result = HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &output, &length)
        check(result != nil, "HMAC-SHA-256")
        return Array(output.prefix(Int(length)))
    }

    /// PBKDF2 with HMAC-SHA-256 (RFC 8018), producing one SHA-256-sized block: SCRAM's `Hi()`.
    static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: sha256Length)
        ERR_clear_error()
        let status = password.withUnsafeBytes { password in
            PKCS5_PBKDF2_HMAC(
                password.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(password.count),
                salt, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(output.count), &output)
        }
        check(status == 1, "PBKDF2-HMAC-SHA-256")
        return output
    }

    /// `count` bytes from OpenSSL's cryptographically secure generator.
    static func randomBytes(count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        ERR_clear_error()
        check(RAND_bytes(&output, Int32(count)) == 1, "RAND_bytes")
        return output
    }

    private static func digest(_ data: [UInt8], algorithm: OpaquePointer?, name: String) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        ERR_clear_error()
        check(EVP_Digest(data, data.count, &output, &length, algorithm, nil) == 1, name)
        return Array(output.prefix(Int(length)))
    }

    /// Stops the process with OpenSSL's reasons, drained from the error queue, unless `succeeded`.
    private static func check(_ succeeded: Bool, _ operation: String) {
        guard !succeeded else { return }
        let error = OpenSSLError.drainingErrorQueue(operation: operation)
        fatalError(error.description)
    }
}
