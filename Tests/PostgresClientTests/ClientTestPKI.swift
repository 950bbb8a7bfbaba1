import Foundation
import PostgresTLS

/// A CA, a server certificate for `localhost` and `127.0.0.1` and a client certificate for the role
/// `cert_user`, generated once per run and written as PEM files (keys 0600) for PostgreSQL, psql and the client.
struct ClientTestPKI: Sendable {
    /// The directory holding `ca.crt`, `server.crt`/`.key`, `client.crt`/`.key` and `client-encrypted.key`.
    let directory: URL

    private static let generated = Result { try ClientTestPKI() }

    /// The run's PKI, generated on first use.
    static func shared() throws -> ClientTestPKI { try generated.get() }

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appending(path: "pgw-client-pki-\(getpid())", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let authorityKey = try TLSPrivateKey.generate(.ecdsaP256)
        let authority = try TLSIdentity(
            certificateChain: [
                try TLSCertificate.issue(
                    TLSCertificateTemplate(commonName: "pgw client test CA", isCertificateAuthority: true),
                    for: authorityKey)
            ],
            privateKey: authorityKey)
        try write(authority.certificateChain[0].pemString, to: "ca.crt")
        try issue(
            TLSCertificateTemplate(
                commonName: "localhost", subjectAlternativeNames: [.dnsName("localhost"), .ipAddress("127.0.0.1")]),
            by: authority, as: "server")
        let client = try issue(TLSCertificateTemplate(commonName: "cert_user"), by: authority, as: "client")
        try write(client.pemString(passphrase: Self.clientKeyPassphrase), to: "client-encrypted.key", private: true)
    }

    /// The passphrase of `client-encrypted.key`.
    static let clientKeyPassphrase = "correct horse battery staple"

    /// The path of one of the PEM files.
    func path(_ name: String) -> String { directory.appending(path: name).path }

    /// A server context presenting the server certificate, for pgw's gateway.
    func serverContext() throws -> TLSServerContext {
        try TLSServerContext(
            configuration: TLSServerConfiguration(
                identity: TLSIdentity(certificateChainFile: path("server.crt"), privateKeyFile: path("server.key"))))
    }

    /// Issues a certificate, writes it and its key as `name.crt` and `name.key`, and returns the key.
    @discardableResult
    private func issue(_ template: TLSCertificateTemplate, by issuer: TLSIdentity, as name: String) throws
        -> TLSPrivateKey
    {
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let certificate = try TLSCertificate.issue(template, for: key, issuer: issuer)
        try write(certificate.pemString, to: "\(name).crt")
        try write(key.pemString(), to: "\(name).key", private: true)
        return key
    }

    private func write(_ text: String, to name: String, private isPrivate: Bool = false) throws {
        let url = directory.appending(path: name)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: isPrivate ? 0o600 : 0o644], ofItemAtPath: url.path)
    }
}
