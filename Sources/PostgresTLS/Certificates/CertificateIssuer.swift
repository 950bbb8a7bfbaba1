import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds and signs one X.509 v3 certificate from a ``TLSCertificateTemplate``.
struct CertificateIssuer {
    /// What the certificate says: names, validity, CA or not, key usages and signature digest.
    var template: TLSCertificateTemplate
    /// The key the certificate certifies; it also signs a self-signed certificate.
    var subjectKey: TLSPrivateKey
    /// The CA that signs the certificate; `nil` makes it self-signed.
    var issuer: TLSIdentity?

    /// Builds the certificate with a random 16-byte serial number and signs it.
    func issue() throws(TLSError) -> TLSCertificate {
        ERR_clear_error()
        guard let x509 = X509_new() else { throw failure("allocating a certificate") }
        var issued = false
        defer { if !issued { X509_free(x509) } }

        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else { throw failure("drawing a serial number") }
        serial[0] = serial[0] & 0x3F | 0x40  // positive, and always 16 bytes long
        let issuerCertificate = issuer?.certificateChain.first?.x509 ?? x509
        guard X509_set_version(x509, 2) == 1,
            ASN1_STRING_set(X509_get_serialNumber(x509), serial, Int32(serial.count)) == 1,
            ASN1_TIME_set(X509_getm_notBefore(x509), time_t(template.notBefore.timeIntervalSince1970)) != nil,
            ASN1_TIME_set(X509_getm_notAfter(x509), time_t(template.notAfter.timeIntervalSince1970)) != nil,
            X509_set_pubkey(x509, subjectKey.pkey) == 1,
            setSubject(x509),
            X509_set_issuer_name(x509, X509_get_subject_name(issuerCertificate)) == 1
        else { throw failure("filling in the certificate") }
        try addExtensions(to: x509, issuerCertificate: issuerCertificate)

        let signingKey = issuer?.privateKey ?? subjectKey
        let digest = signingKey.algorithmName == "ED25519" ? nil : template.signatureDigest.evpDigest
        guard X509_sign(x509, signingKey.pkey, digest) > 0 else { throw failure("signing the certificate") }
        issued = true
        return TLSCertificate(takingOwnershipOf: x509)
    }

    private func setSubject(_ x509: OpaquePointer) -> Bool {
        let name = X509_get_subject_name(x509)
        var entries = [("CN", template.commonName)]
        if let organization = template.organization {
            entries.insert(("O", organization), at: 0)
        }
        return entries.allSatisfy { field, value in
            X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, value, -1, -1, 0) == 1
        }
    }

    private func addExtensions(to x509: OpaquePointer, issuerCertificate: OpaquePointer) throws(TLSError) {
        var extensions = [
            (NID_basic_constraints, template.isCertificateAuthority ? "critical,CA:TRUE" : "critical,CA:FALSE"),
            (
                NID_key_usage,
                template.isCertificateAuthority
                    ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"
            ),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if !template.subjectAlternativeNames.isEmpty {
            let names = template.subjectAlternativeNames.map { name in
                switch name {
                case .dnsName(let value): "DNS:\(value)"
                case .ipAddress(let value): "IP:\(value)"
                case .email(let value): "email:\(value)"
                case .uri(let value): "URI:\(value)"
                }
            }
            extensions.append((NID_subject_alt_name, names.joined(separator: ",")))
        }
        if !template.extendedKeyUsages.isEmpty {
            extensions.append((NID_ext_key_usage, template.extendedKeyUsages.map(\.rawValue).joined(separator: ",")))
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuerCertificate, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw failure("adding extension \(String(cString: OBJ_nid2sn(nid)))=\(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw failure("adding an extension") }
        }
    }

    private func failure(_ operation: String) -> TLSError {
        .configurationFailed(.drainingErrorQueue(operation: operation + " for '\(template.commonName)'"))
    }
}
