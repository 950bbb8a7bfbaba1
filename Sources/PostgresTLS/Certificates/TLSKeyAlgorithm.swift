/// A kind of key that ``TLSPrivateKey/generate(_:)`` can create.
public enum TLSKeyAlgorithm: Sendable, Hashable {
    /// ECDSA on NIST P-256.
    case ecdsaP256
    /// ECDSA on NIST P-384.
    case ecdsaP384
    /// RSA with the given modulus size in bits.
    case rsa(bits: Int)
    /// Ed25519.
    case ed25519
}
