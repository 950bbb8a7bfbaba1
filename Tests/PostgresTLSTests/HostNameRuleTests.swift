import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

@Suite("One host-name rule: libpq's verify-full, in the TLS client and in pgw certs")
struct HostNameRuleTests {
    /// A certificate's names, a host to connect to, and whether libpq's verify-full accepts it.
    struct Row: Sendable, CustomTestStringConvertible {
        var names: [TLSSubjectAlternativeName]
        var commonName: String
        var host: String
        var libpqAccepts: Bool

        var testDescription: String {
            let listed = names.map(\.description).joined(separator: ",")
            return "\(host) against [\(listed)] CN=\(commonName): \(libpqAccepts ? "accepted" : "rejected")"
        }
    }

    /// Where libpq's rule and OpenSSL's `X509_check_host` agree, and where they differ (marked).
    static let rows: [Row] = [
        Row(names: [.dnsName("*.example.test")], commonName: "x", host: "db.example.test", libpqAccepts: true),
        Row(names: [.dnsName("*.example.test")], commonName: "x", host: "DB.Example.TEST", libpqAccepts: true),
        Row(names: [.dnsName("*.example.test")], commonName: "x", host: "a.b.example.test", libpqAccepts: false),
        Row(names: [.dnsName("*.example.test")], commonName: "x", host: "example.test", libpqAccepts: false),
        Row(names: [.dnsName("db*.example.test")], commonName: "x", host: "db1.example.test", libpqAccepts: false),
        Row(names: [.dnsName("d*b.example.test")], commonName: "x", host: "dxb.example.test", libpqAccepts: false),
        Row(names: [.dnsName("db.*.test")], commonName: "x", host: "db.example.test", libpqAccepts: false),
        // OpenSSL would refuse a wildcard followed by a single label.
        Row(names: [.dnsName("*.test")], commonName: "x", host: "db.test", libpqAccepts: true),
        Row(names: [], commonName: "db.example.test", host: "db.example.test", libpqAccepts: true),
        Row(names: [], commonName: "*.example.test", host: "db.example.test", libpqAccepts: true),
        Row(
            names: [.dnsName("other.example.test")], commonName: "db.example.test", host: "db.example.test",
            libpqAccepts: false),
        Row(names: [.ipAddress("127.0.0.1")], commonName: "x", host: "127.0.0.1", libpqAccepts: true),
        Row(names: [.ipAddress("::1")], commonName: "x", host: "0:0::1", libpqAccepts: true),
        Row(names: [.ipAddress("127.0.0.2")], commonName: "127.0.0.1", host: "127.0.0.1", libpqAccepts: false),
        Row(names: [.ipAddress("127.0.0.1")], commonName: "x", host: "localhost", libpqAccepts: false),
        // OpenSSL never reads the common name for an IP address, nor DNS names.
        Row(names: [.dnsName("localhost")], commonName: "127.0.0.1", host: "127.0.0.1", libpqAccepts: true),
        Row(names: [.dnsName("127.0.0.1")], commonName: "x", host: "127.0.0.1", libpqAccepts: true),
    ]

    @Test("psql, pgw's TLS client and HostNameVerification decide alike", arguments: rows)
    func decideAlike(_ row: Row) async throws {
        let pki = try TestPKI.shared()
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let template = TLSCertificateTemplate(commonName: row.commonName, subjectAlternativeNames: row.names)
        let certificate = try TLSCertificate.issue(template, for: key, issuer: pki.authority)
        let identity = try TLSIdentity(certificateChain: [certificate], privateKey: key)

        let rule = HostNameVerification.verify(host: row.host, against: certificate.info)
        if case .matched = rule {
            #expect(row.libpqAccepts, "HostNameVerification: \(rule)")
        } else {
            #expect(!row.libpqAccepts, "HostNameVerification: \(rule)")
        }

        let pair = try EmbeddedTLSPair(
            client: TLSHandler(clientContext: pki.clientContext(.verifyFull, serverName: row.host)),
            server: TLSHandler(serverContext: pki.serverContext(identity)))
        try pair.pump()
        let clientErrors = pair.client.recorder.tlsErrors
        if row.libpqAccepts {
            #expect(clientErrors.isEmpty && pair.client.recorder.handshake != nil, "TLS client: \(clientErrors)")
        } else {
            #expect(
                clientErrors == [
                    .hostNameMismatch(
                        message: HostNameVerification.mismatchMessage(host: row.host, certificate: certificate.info))
                ])
        }

        let context = try pki.serverContext(identity)
        let server = try await MiniPostgresServer.start { try TLSHandler(serverContext: context) }
        defer { Task { try await server.stop() } }
        let psql = try await psqlVerifyFull(host: row.host, port: server.port, pki: pki)
        if row.libpqAccepts {
            #expect(psql.succeeded, "psql: \(psql)")
        } else {
            // libpq's message names the first name compared and counts the others, as the client's does.
            let message = HostNameVerification.mismatchMessage(host: row.host, certificate: certificate.info)
            #expect(!psql.succeeded && psql.standardError.contains(message), "psql: \(psql)")
        }
    }

    @Test("a name holding a NUL byte matches nothing, as libpq refuses it (CVE-2009-4034)")
    func embeddedNUL() {
        #expect(!HostNameVerification.matches(pattern: "db.example.test\u{0}.evil.test", host: "db.example.test"))
        #expect(!HostNameVerification.matches(pattern: "*.example.test\u{0}", host: "db.example.test"))
        #expect(HostNameVerification.matches(pattern: "*.example.test", host: "db.example.test"))
    }

    /// `psql` with `sslmode=verify-full`, checking `host` while connecting to 127.0.0.1.
    private func psqlVerifyFull(host: String, port: Int, pki: TestPKI) async throws -> ProcessOutcome {
        let parameters = [
            "host": host, "hostaddr": "127.0.0.1", "port": String(port), "dbname": "postgres", "user": "alice",
            "sslmode": "verify-full", "sslrootcert": pki.path("ca.crt"), "gssencmode": "disable",
            "connect_timeout": "30",
        ]
        let connection = parameters.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        return try await SubprocessCommand(
            try Programs.psql(), [connection, "-X", "-A", "-t", "-c", "\\conninfo"],
            environment: Programs.libpqEnvironment(home: pki.directory), timeout: .seconds(60)
        ).run()
    }
}
