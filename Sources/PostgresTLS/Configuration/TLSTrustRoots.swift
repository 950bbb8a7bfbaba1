/// The certificate authorities a peer's certificate must chain to.
public enum TLSTrustRoots: Sendable {
    /// The system's trust store (OpenSSL's default paths, `/etc/ssl/certs` on Debian).
    case system
    /// The certificates in a PEM file (libpq's `sslrootcert`, PostgreSQL's `ssl_ca_file`).
    case pemFile(String)
    /// The certificates in PEM text.
    case pemBytes([UInt8])
    /// Certificates already loaded.
    case certificates([TLSCertificate])

    /// The explicitly listed certificates, or `nil` for the system store.
    func certificates() throws(TLSError) -> [TLSCertificate]? {
        switch self {
        case .system: nil
        case .pemFile(let path): try TLSCertificate.chain(pemFile: path)
        case .pemBytes(let bytes): try TLSCertificate.chain(pemBytes: bytes)
        case .certificates(let certificates): certificates
        }
    }
}
