import Foundation
import PostgresTLS

/// Certificate authorities, server and client certificates generated once per test run, also written as PEM
/// files (keys 0600) into a temporary directory for `openssl`, `psql` and PostgreSQL.
struct TestPKI: Sendable {
    /// The directory holding the PEM files.
    let directory: URL
    /// The CA that signs every trusted certificate.
    let authority: TLSIdentity
    /// A CA nobody trusts.
    let otherAuthority: TLSIdentity
    /// A server certificate for `localhost`, `db1.pgw.test` and `127.0.0.1`.
    let server: TLSIdentity
    /// A server certificate for `db2.pgw.test` only, signed with SHA-384.
    let secondServer: TLSIdentity
    /// A server certificate that expired yesterday.
    let expiredServer: TLSIdentity
    /// A client certificate for the role `alice`.
    let client: TLSIdentity
    /// A client certificate for `mallory` signed by ``otherAuthority``.
    let strangerClient: TLSIdentity
    /// The passphrase of `client-encrypted.key`.
    static let clientKeyPassphrase = "correct horse battery staple"

    private static let generated = Result { try TestPKI() }

    /// The run's PKI, generated on first use.
    static func shared() throws -> TestPKI { try generated.get() }

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appending(path: "pgw-tls-tests-\(getpid())", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        authority = try Self.authority(named: "pgw test CA")
        otherAuthority = try Self.authority(named: "pgw other CA")
        server = try Self.issue(
            TLSCertificateTemplate(
                commonName: "localhost",
                subjectAlternativeNames: [.dnsName("localhost"), .dnsName("db1.pgw.test"), .ipAddress("127.0.0.1")]),
            by: authority)
        secondServer = try Self.issue(
            TLSCertificateTemplate(
                commonName: "db2.pgw.test", subjectAlternativeNames: [.dnsName("db2.pgw.test")],
                signatureDigest: .sha384),
            by: authority)
        var expired = TLSCertificateTemplate(commonName: "localhost", subjectAlternativeNames: [.dnsName("localhost")])
        expired.notBefore = Date().addingTimeInterval(-10 * 86400)
        expired.notAfter = Date().addingTimeInterval(-86400)
        expiredServer = try Self.issue(expired, by: authority)
        client = try Self.issue(TLSCertificateTemplate(commonName: "alice", organization: "pgw"), by: authority)
        strangerClient = try Self.issue(TLSCertificateTemplate(commonName: "mallory"), by: otherAuthority)

        try write(authority.certificateChain[0].pemString, to: "ca.crt")
        try write(otherAuthority.certificateChain[0].pemString, to: "other-ca.crt")
        try write(identity: server, as: "server")
        try write(identity: secondServer, as: "db2")
        try write(identity: client, as: "client")
        try write(identity: strangerClient, as: "mallory")
        try write(
            client.privateKey.pemString(passphrase: Self.clientKeyPassphrase), to: "client-encrypted.key", private: true
        )
    }

    /// The path of one of the PEM files: `ca.crt`, `other-ca.crt`, `server.crt`/`.key`, `db2.crt`/`.key`,
    /// `client.crt`/`.key`, `client-encrypted.key`, `mallory.crt`/`.key`.
    func path(_ name: String) -> String { directory.appending(path: name).path }

    /// A server context presenting `identity` (``server`` by default).
    func serverContext(
        _ identity: TLSIdentity? = nil,
        clientCertificates: TLSClientCertificateVerification = .none,
        keyLog: TLSKeyLog? = nil
    ) throws -> TLSServerContext {
        try TLSServerContext(
            configuration: TLSServerConfiguration(
                identity: identity ?? server, clientCertificateVerification: clientCertificates, keyLog: keyLog))
    }

    /// A client context in `mode` trusting ``authority`` unless told otherwise.
    func clientContext(
        _ mode: TLSClientMode,
        serverName: String? = "localhost",
        trusting roots: TLSIdentity? = nil,
        identity: TLSIdentity? = nil
    ) throws -> TLSClientContext {
        try TLSClientContext(
            configuration: TLSClientConfiguration(
                mode: mode, serverName: serverName,
                trustRoots: .certificates([(roots ?? authority).certificateChain[0]]), identity: identity))
    }

    private static func authority(named name: String) throws -> TLSIdentity {
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let certificate = try TLSCertificate.issue(
            TLSCertificateTemplate(commonName: name, isCertificateAuthority: true), for: key)
        return try TLSIdentity(certificateChain: [certificate], privateKey: key)
    }

    private static func issue(_ template: TLSCertificateTemplate, by issuer: TLSIdentity) throws -> TLSIdentity {
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let certificate = try TLSCertificate.issue(template, for: key, issuer: issuer)
        return try TLSIdentity(certificateChain: [certificate], privateKey: key)
    }

    private func write(identity: TLSIdentity, as name: String) throws {
        try write(identity.certificateChain.map(\.pemString).joined(), to: "\(name).crt")
        try write(identity.privateKey.pemString(), to: "\(name).key", private: true)
    }

    private func write(_ text: String, to name: String, private isPrivate: Bool = false) throws {
        let url = directory.appending(path: name)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: isPrivate ? 0o600 : 0o644], ofItemAtPath: url.path)
    }
}
