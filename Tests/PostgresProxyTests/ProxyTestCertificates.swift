import Foundation
import PostgresGateway
import PostgresTLS

/// A CA and a certificate for `127.0.0.1`, made once per run, for PostgreSQL's and the proxy's TLS legs.
enum ProxyTestCertificates {
    /// The directory holding `ca.crt`, `server.crt` and `server.key` (0600), and `client.crt` and `client.key`
    /// (0600), a client certificate for the role `proxy_cert`.
    static let directory: URL = {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-pki-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let authorityKey = try TLSPrivateKey.generate(.ecdsaP256)
            let authority = try TLSCertificate.issue(
                TLSCertificateTemplate(commonName: "pgw proxy test CA", isCertificateAuthority: true), for: authorityKey
            )
            let key = try TLSPrivateKey.generate(.ecdsaP256)
            let certificate = try TLSCertificate.issue(
                TLSCertificateTemplate(commonName: "127.0.0.1", subjectAlternativeNames: [.ipAddress("127.0.0.1")]),
                for: key, issuer: TLSIdentity(certificateChain: [authority], privateKey: authorityKey))
            try Data(authority.pemString.utf8).write(to: directory.appending(path: "ca.crt"))
            try Data(certificate.pemString.utf8).write(to: directory.appending(path: "server.crt"))
            let keyFile = directory.appending(path: "server.key")
            try Data(key.pemString().utf8).write(to: keyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
            let clientKey = try TLSPrivateKey.generate(.ecdsaP256)
            let clientCertificate = try TLSCertificate.issue(
                TLSCertificateTemplate(commonName: "proxy_cert"), for: clientKey,
                issuer: TLSIdentity(certificateChain: [authority], privateKey: authorityKey))
            try Data(clientCertificate.pemString.utf8).write(to: directory.appending(path: "client.crt"))
            let clientKeyFile = directory.appending(path: "client.key")
            try Data(clientKey.pemString().utf8).write(to: clientKeyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: clientKeyFile.path)
        } catch {
            fatalError("cannot make the proxy tests' certificates: \(error)")
        }
        return directory
    }()

    /// The path of `name` in ``directory``.
    static func path(_ name: String) -> String { directory.appending(path: name).path }

    /// TLS for the proxy's client leg with `server.crt`, logging secrets to `keyLog` when given; with
    /// `asksForClientCertificates`, clients are asked for a certificate, which must then chain to `ca.crt` (as
    /// `--tls-ca`).
    static func clientLegTLS(
        keyLog: TLSKeyLog? = nil, asksForClientCertificates: Bool = false
    ) throws -> PostgresServerConnectionConfiguration.TLS {
        .context(
            try TLSServerContext(
                configuration: TLSServerConfiguration(
                    identity: TLSIdentity(certificateChainFile: path("server.crt"), privateKeyFile: path("server.key")),
                    clientCertificateVerification: asksForClientCertificates
                        ? .optional(trustRoots: .pemFile(path("ca.crt"))) : .none,
                    keyLog: keyLog)))
    }
}
