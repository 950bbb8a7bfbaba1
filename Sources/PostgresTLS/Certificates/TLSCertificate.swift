import COpenSSL

/// An X.509 certificate, loaded from PEM or DER or issued with ``issue(_:for:issuer:)``.
public final class TLSCertificate: @unchecked Sendable {
    // @unchecked: the X509 object is never mutated after init, and OpenSSL's reference counting is thread-safe.

    /// The certificate's facts: subject, issuer, alternative names, validity and DER encoding.
    public let info: TLSCertificateInfo
    /// The OpenSSL `X509` object, of which this certificate holds one reference.
    let x509: OpaquePointer

    /// Takes over one reference to `x509`.
    init(takingOwnershipOf x509: OpaquePointer) {
        self.x509 = x509
        self.info = TLSCertificateInfo(x509: x509)
    }

    /// Adds a reference to `x509`, which OpenSSL keeps owning too.
    convenience init(borrowing x509: OpaquePointer) {
        X509_up_ref(x509)
        self.init(takingOwnershipOf: x509)
    }

    deinit { X509_free(x509) }

    /// Parses a DER-encoded certificate.
    public convenience init(derBytes: [UInt8]) throws(TLSError) {
        ERR_clear_error()
        let x509: OpaquePointer? = derBytes.withUnsafeBytes { raw in
            var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_X509(nil, &cursor, raw.count)
        }
        guard let x509 else { throw .configurationFailed(.drainingErrorQueue(operation: "parsing a DER certificate")) }
        self.init(takingOwnershipOf: x509)
    }

    /// Every certificate in a PEM file, in file order (leaf first for a chain).
    ///
    /// A file without a certificate is said to be what it is instead (`the file holds a private key, not a
    /// certificate`, `the file is empty`), rather than with OpenSSL's "no start line".
    public static func chain(pemFile path: String) throws(TLSError) -> [TLSCertificate] {
        do {
            return try MemoryBIO.reading(file: path) { bio throws(TLSError) in try readChain(bio, source: path) }
        } catch .configurationFailed(var error) where error.operation.hasPrefix("reading") {
            if let problem = PEMFileContents(file: path)?.certificateProblem { error.reasons = [problem] }
            throw .configurationFailed(error)
        }
    }

    /// Every certificate in PEM text, in order (leaf first for a chain).
    public static func chain(pemBytes: [UInt8]) throws(TLSError) -> [TLSCertificate] {
        try MemoryBIO.reading(pemBytes) { bio throws(TLSError) in try readChain(bio, source: "PEM bytes") }
    }

    private static func readChain(_ bio: OpaquePointer, source: String) throws(TLSError) -> [TLSCertificate] {
        ERR_clear_error()
        var chain: [TLSCertificate] = []
        while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
            chain.append(TLSCertificate(takingOwnershipOf: x509))
        }
        // The loop always ends on "no start line"; only an empty result is an error.
        let error = OpenSSLError.drainingErrorQueue(operation: "reading certificates from \(source)")
        guard !chain.isEmpty else { throw .configurationFailed(error) }
        return chain
    }

    /// The certificate in PEM form.
    public var pemString: String {
        MemoryBIO.text { _ = PEM_write_bio_X509($0, x509) }
    }

    /// The `tls-server-end-point` channel binding of this certificate (RFC 5929), used by SCRAM-SHA-256-PLUS:
    /// its DER hashed with its signature's digest, SHA-256 when that is MD5 or SHA-1.
    ///
    /// `nil` when the signature algorithm names no digest (Ed25519, RSA-PSS), where PostgreSQL has no binding either.
    public var tlsServerEndPoint: [UInt8]? {
        var digestID: Int32 = 0
        guard OBJ_find_sigid_algs(X509_get_signature_nid(x509), &digestID, nil) == 1, digestID != NID_undef else {
            return nil
        }
        if digestID == NID_md5 || digestID == NID_sha1 {
            digestID = NID_sha256
        }
        guard let digest = EVP_get_digestbyname(OBJ_nid2sn(digestID)) else { return nil }
        var hash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, digest, &hash, &length) == 1 else {
            ERR_clear_error()
            return nil
        }
        return Array(hash.prefix(Int(length)))
    }

    /// Issues a certificate for `key` from `template`, signed by `issuer`, or self-signed by `key` when `issuer` is nil.
    public static func issue(
        _ template: TLSCertificateTemplate,
        for key: TLSPrivateKey,
        issuer: TLSIdentity? = nil
    ) throws(TLSError) -> TLSCertificate {
        try CertificateIssuer(template: template, subjectKey: key, issuer: issuer).issue()
    }

    /// Throws unless `key` is the private key for this certificate's public key.
    func checkPrivateKey(_ key: TLSPrivateKey) throws(TLSError) {
        ERR_clear_error()
        guard X509_check_private_key(x509, key.pkey) == 1 else {
            throw .configurationFailed(
                .drainingErrorQueue(operation: "checking the private key against \(info.subject)"))
        }
    }
}
