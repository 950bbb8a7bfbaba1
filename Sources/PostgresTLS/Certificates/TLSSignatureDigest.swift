import COpenSSL

/// The digest a certificate is signed with; it also picks the `tls-server-end-point` hash.
public enum TLSSignatureDigest: String, Sendable, Hashable, CaseIterable {
    /// SHA-1, only for testing how legacy certificates are handled.
    case sha1
    /// SHA-256.
    case sha256
    /// SHA-384.
    case sha384
    /// SHA-512.
    case sha512

    /// OpenSSL's digest of that name; `nil` if the OpenSSL build lacks it.
    var evpDigest: OpaquePointer? { EVP_get_digestbyname(rawValue) }
}
