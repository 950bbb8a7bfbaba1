import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

@Suite("Certificates and keys")
struct CertificateTests {
    @Test("generated certificates carry their facts and survive PEM and DER round trips")
    func facts() throws {
        let pki = try TestPKI.shared()
        let certificate = pki.server.certificateChain[0]
        #expect(certificate.info.commonName == "localhost")
        #expect(certificate.info.issuer == "CN=pgw test CA")
        #expect(
            certificate.info.subjectAlternativeNames == [
                .dnsName("localhost"), .dnsName("db1.pgw.test"), .ipAddress("127.0.0.1"),
            ])
        #expect(certificate.info.notBefore < Date() && Date() < certificate.info.notAfter)
        #expect(certificate.info.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(certificate.info.serialNumber.count == 32)
        #expect(try TLSCertificate.chain(pemFile: pki.path("server.crt"))[0].info == certificate.info)
        #expect(try TLSCertificate(derBytes: certificate.info.derBytes).info == certificate.info)
    }

    @Test("an encrypted key loads with its passphrase and fails, without prompting, otherwise")
    func encryptedKey() throws {
        let pki = try TestPKI.shared()
        let path = pki.path("client-encrypted.key")
        let key = try TLSPrivateKey(pemFile: path, passphrase: TestPKI.clientKeyPassphrase)
        _ = try TLSIdentity(certificateChain: pki.client.certificateChain, privateKey: key)
        #expect(key.algorithmName == "EC" && key.bits == 256)
        for passphrase in ["wrong", nil] {
            #expect {
                try TLSPrivateKey(pemFile: path, passphrase: passphrase)
            } throws: { error in
                guard case .configurationFailed(let openSSL) = error as? TLSError else { return false }
                return !openSSL.reasons.isEmpty
            }
        }
    }

    @Test("PEM bytes load from OpenSSL's own copy: chains in order, encrypted keys, nothing and half a block fail")
    func pemBytes() throws {
        let pki = try TestPKI.shared()
        let chain = pki.server.certificateChain + pki.authority.certificateChain
        // Each input is a temporary array, gone as soon as the call returns.
        let loaded = try TLSCertificate.chain(pemBytes: Array(chain.map(\.pemString).joined().utf8))
        #expect(loaded.map(\.info) == chain.map(\.info))
        let encrypted = try pki.client.privateKey.pemString(passphrase: "secret")
        let key = try TLSPrivateKey(pemBytes: Array(encrypted.utf8), passphrase: "secret")
        _ = try TLSIdentity(certificateChain: pki.client.certificateChain, privateKey: key)
        let certificate = pki.server.certificateChain[0].pemString
        for bytes in [[], Array(certificate.utf8.prefix(certificate.utf8.count / 2))] {
            #expect {
                try TLSCertificate.chain(pemBytes: bytes)
            } throws: { error in
                guard case .configurationFailed(let openSSL) = error as? TLSError else { return false }
                return !openSSL.reasons.isEmpty
            }
        }
    }

    @Test("loading errors carry OpenSSL's reasons")
    func loadingErrors() throws {
        let pki = try TestPKI.shared()
        #expect {
            try TLSCertificate.chain(pemFile: pki.path("missing.crt"))
        } throws: { error in
            guard case .configurationFailed(let openSSL) = error as? TLSError else { return false }
            return openSSL.reasons.contains { $0.contains("No such file") }
        }
        #expect {
            try TLSIdentity(certificateChain: pki.server.certificateChain, privateKey: pki.client.privateKey)
        } throws: { error in
            guard case .configurationFailed(let openSSL) = error as? TLSError else { return false }
            return openSSL.reasons.contains("key values mismatch")
        }
    }

    @Test("tls-server-end-point hashes with the signature digest, SHA-256 for SHA-1, none for Ed25519")
    func channelBinding() async throws {
        let pki = try TestPKI.shared()
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let sha1 = try TLSCertificate.issue(TLSCertificateTemplate(commonName: "old", signatureDigest: .sha1), for: key)
        let edKey = try TLSPrivateKey.generate(.ed25519)
        let ed25519 = try TLSCertificate.issue(TLSCertificateTemplate(commonName: "ed"), for: edKey)
        let cases: [(TLSCertificate, String)] = [
            (pki.server.certificateChain[0], "sha256"), (pki.secondServer.certificateChain[0], "sha384"),
            (sha1, "sha256"),
        ]
        for (certificate, digest) in cases {
            #expect(try await fingerprint(certificate, digest: digest) == certificate.tlsServerEndPoint)
        }
        #expect(ed25519.tlsServerEndPoint == nil)
    }

    /// The certificate's fingerprint as `openssl x509 -fingerprint` computes it.
    private func fingerprint(_ certificate: TLSCertificate, digest: String) async throws -> [UInt8] {
        let file = try TestPKI.shared().path("fingerprint-\(UUID().uuidString).crt")
        try certificate.pemString.write(toFile: file, atomically: false, encoding: .utf8)
        let outcome = try await SubprocessCommand(
            Programs.openssl(), ["x509", "-in", file, "-noout", "-fingerprint", "-\(digest)"]
        ).runExpectingSuccess("openssl x509 -fingerprint")
        let hex = outcome.standardOutput.split(separator: "=").last!.trimmingCharacters(in: .whitespacesAndNewlines)
        return hex.split(separator: ":").map { UInt8($0, radix: 16)! }
    }
}
