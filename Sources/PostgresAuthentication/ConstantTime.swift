import COpenSSL

/// Comparisons whose running time does not depend on the secret bytes compared.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes.
    ///
    /// Sequences of equal length are compared with OpenSSL's `CRYPTO_memcmp`, which reads every byte
    /// whatever it finds; lengths are not treated as secret, so different lengths return `false` at once.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let a = Array(a)
        let b = Array(b)
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// Whether `candidate` equals `secret`, in a time that depends on neither's contents nor on their lengths:
    /// the SHA-256 digests of both are compared. For passwords, whose length is secret too.
    public static func equalsSecret(_ secret: some Collection<UInt8>, _ candidate: some Collection<UInt8>) -> Bool {
        equals(CryptoPrimitives.sha256(Array(secret)), CryptoPrimitives.sha256(Array(candidate)))
    }
}
