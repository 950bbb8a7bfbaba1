import PostgresTLS

/// A CA and a `localhost` server certificate (ECDSA P-256, as the tests use), generated per run.
struct BenchmarkPKI {
    let authority: TLSIdentity
    let server: TLSIdentity

    init() throws {
        let authorityKey = try TLSPrivateKey.generate(.ecdsaP256)
        authority = try TLSIdentity(
            certificateChain: [
                TLSCertificate.issue(
                    TLSCertificateTemplate(commonName: "bench CA", isCertificateAuthority: true), for: authorityKey)
            ],
            privateKey: authorityKey)
        let serverKey = try TLSPrivateKey.generate(.ecdsaP256)
        server = try TLSIdentity(
            certificateChain: [
                TLSCertificate.issue(
                    TLSCertificateTemplate(commonName: "localhost", subjectAlternativeNames: [.dnsName("localhost")]),
                    for: serverKey, issuer: authority)
            ],
            privateKey: serverKey)
    }

    func serverContext() throws -> TLSServerContext {
        try TLSServerContext(configuration: TLSServerConfiguration(identity: server))
    }

    func clientContext() throws -> TLSClientContext {
        try TLSClientContext(
            configuration: TLSClientConfiguration(
                mode: .verifyFull, serverName: "localhost",
                trustRoots: .certificates(authority.certificateChain)))
    }

    /// Writes `server.crt` and `server.key` into `directory` for `openssl s_server`.
    func write(to directory: String) throws {
        try server.certificateChain[0].pemString.write(toFile: directory + "/server.crt")
        try server.privateKey.pemString().write(toFile: directory + "/server.key")
    }
}
