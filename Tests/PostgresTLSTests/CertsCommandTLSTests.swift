import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

@Suite("pgw certs generate, check and probe")
struct CertsCommandTLSTests {
    // MARK: generate

    @Test("generate writes a CA, a server and client certificates with PostgreSQL's modes, and keeps files")
    func generateWritesFiles() async throws {
        let directory = try await CertsPGW.generate(serverName: "db.pgw-certs.test", clients: ["alice", "bob"])
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, mode) in [
            ("ca.crt", 0o644), ("ca.key", 0o600), ("server.crt", 0o644), ("server.key", 0o600),
            ("alice.crt", 0o644), ("alice.key", 0o600), ("bob.crt", 0o644), ("bob.key", 0o600),
        ] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending(path: name).path)
            #expect(attributes[.posixPermissions] as? Int == mode, "\(name)")
        }
        let server = try #require(try TLSCertificate.chain(pemFile: directory.appending(path: "server.crt").path).first)
        #expect(server.info.subjectAlternativeNames == [.dnsName("db.pgw-certs.test")])
        let bob = try #require(try TLSCertificate.chain(pemFile: directory.appending(path: "bob.crt").path).first)
        #expect(bob.info.commonName == "bob")

        let again = try await PGWExecutable.run([
            "certs", "generate", "--dir", directory.path, "--server-name", "x.test",
        ])
        #expect(again.status == 1 && again.standardError.contains("--force"), "\(again)")
        #expect(try TLSCertificate.chain(pemFile: directory.appending(path: "server.crt").path)[0].info == server.info)
        let forced = try await PGWExecutable.run(
            ["certs", "generate", "--dir", directory.path, "--server-name", "x.test", "--force"])
        #expect(forced.succeeded, "\(forced)")
        let replaced = try TLSCertificate.chain(pemFile: directory.appending(path: "server.crt").path)[0]
        #expect(replaced.info.commonName == "x.test")
    }

    @Test("PostgreSQL loads the generated server certificate and psql verify-full accepts it for a wildcard name")
    func postgresAcceptsGeneratedServerCertificate() async throws {
        let server = try await CertsPostgresServer.running()
        let outcome = try await server.psql(["host": "db.pgw-certs.test", "user": "postgres"])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres|t", "\(outcome)")
        let wrongName = try await server.psql(["host": "a.db.pgw-certs.test", "user": "postgres"])
        #expect(!wrongName.succeeded && wrongName.standardError.contains("does not match host name"), "\(wrongName)")
    }

    @Test("a generated client certificate logs alice in with the cert method")
    func generatedClientCertificateLogsIn() async throws {
        let server = try await CertsPostgresServer.running()
        let outcome = try await server.psql([
            "host": "db.pgw-certs.test", "user": "alice",
            "sslcert": server.certificates.appending(path: "alice.crt").path,
            "sslkey": server.certificates.appending(path: "alice.key").path,
        ])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "alice|t", "\(outcome)")
    }

    // MARK: check

    /// A generated set, plus a second CA, an expired server certificate, an encrypted key and a world-readable key.
    private struct CheckFiles {
        let directory: URL
        let otherCA: URL

        static let passphrase = "correct horse"

        static func make() async throws -> CheckFiles {
            let directory = try await CertsPGW.generate(serverName: "*.pgw-certs.test", clients: ["alice"])
            let other = try await CertsPGW.generate(serverName: "other.test")
            let files = CheckFiles(directory: directory, otherCA: other.appending(path: "ca.crt"))
            let authority = try TLSIdentity(
                certificateChainFile: files.path("ca.crt"), privateKeyFile: files.path("ca.key"))
            let key = try TLSPrivateKey(pemFile: files.path("server.key"))
            var expired = TLSCertificateTemplate(
                commonName: "db.pgw-certs.test", subjectAlternativeNames: [.dnsName("db.pgw-certs.test")])
            expired.notBefore = Date().addingTimeInterval(-20 * 86400)
            expired.notAfter = Date().addingTimeInterval(-2 * 86400)
            try write(
                TLSCertificate.issue(expired, for: key, issuer: authority).pemString, to: files.path("expired.crt"))
            try write(key.pemString(passphrase: passphrase), to: files.path("encrypted.key"), mode: 0o600)
            try write(passphrase + "\n", to: files.path("passphrase"))
            try write(key.pemString(), to: files.path("readable.key"), mode: 0o644)
            return files
        }

        func path(_ name: String) -> String { directory.appending(path: name).path }

        private static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
            try Data(text.utf8).write(to: URL(filePath: path))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
    }

    private func check(_ arguments: [String], in files: CheckFiles) async throws -> ProcessOutcome {
        try await PGWExecutable.run(
            ["certs", "check"]
                + arguments.map { $0.hasPrefix("@") ? files.path(String($0.dropFirst())) : $0 })
    }

    /// The check names and statuses of `pgw certs check --format json` output.
    private func verdicts(_ outcome: ProcessOutcome) throws -> [String: String] {
        let array = try JSONDecoder().decode([CertificateVerdict].self, from: Data(outcome.standardOutput.utf8))
        return Dictionary(uniqueKeysWithValues: array.map { ($0.check, $0.status.rawValue) })
    }

    @Test("check passes good server and client sets, with every check ok")
    func checkGoodSets() async throws {
        let files = try await CheckFiles.make()
        let server = try await check(
            ["--cert", "@server.crt", "--key", "@server.key", "--ca", "@ca.crt", "--host", "db.pgw-certs.test"],
            in: files)
        #expect(server.succeeded, "\(server)")
        let lines = server.standardOutput.split(separator: "\n")
        #expect(lines.count == 7 && lines.allSatisfy { $0.hasPrefix("ok ") }, "\(server)")
        #expect(server.standardOutput.contains("db.pgw-certs.test matches DNS:*.pgw-certs.test"), "\(server)")

        let client = try await check(
            ["--cert", "@alice.crt", "--key", "@alice.key", "--ca", "@ca.crt", "--user", "alice", "--format", "json"],
            in: files)
        #expect(client.succeeded, "\(client)")
        #expect(
            try verdicts(client) == [
                "certificate": "ok", "key": "ok", "key-match": "ok", "key-permissions": "ok", "chain": "ok",
                "validity": "ok", "user": "ok",
            ])

        let encrypted = try await check(
            [
                "--cert", "@server.crt", "--key", "@encrypted.key", "--passphrase-file", "@passphrase", "--format",
                "json",
            ],
            in: files)
        #expect(encrypted.succeeded, "\(encrypted)")
        #expect(try verdicts(encrypted)["key"] == "warn" && verdicts(encrypted)["key-match"] == "ok")
    }

    struct BrokenSet: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var failingCheck: String
        var detail: String
        var testDescription: String { name }
    }

    static let brokenSets = [
        BrokenSet(
            name: "wrong key", arguments: ["--cert", "@server.crt", "--key", "@alice.key"], failingCheck: "key-match",
            detail: "the key does not belong to CN=*.pgw-certs.test"),
        BrokenSet(
            name: "wrong CA", arguments: ["--cert", "@server.crt", "--ca", "OTHER-CA"], failingCheck: "chain",
            detail: "unable to get local issuer certificate"),
        BrokenSet(
            name: "client certificate (clientAuth only) for a server",
            arguments: [
                "--cert", "@alice.crt", "--ca", "@ca.crt", "--host", "alice",
            ], failingCheck: "chain", detail: "unsuitable certificate purpose"),
        BrokenSet(
            name: "expired", arguments: ["--cert", "@expired.crt", "--ca", "@ca.crt"], failingCheck: "validity",
            detail: "days ago"),
        BrokenSet(
            name: "wrong host", arguments: ["--cert", "@server.crt", "--host", "a.b.pgw-certs.test"],
            failingCheck: "host", detail: "a.b.pgw-certs.test does not match DNS:*.pgw-certs.test"),
        BrokenSet(
            name: "wrong CN", arguments: ["--cert", "@alice.crt", "--user", "bob"], failingCheck: "user",
            detail: "CN is 'alice', not 'bob'"),
        BrokenSet(
            name: "world-readable key", arguments: ["--cert", "@server.crt", "--key", "@readable.key"],
            failingCheck: "key-permissions", detail: "mode 0644"),
        BrokenSet(
            name: "encrypted key without passphrase", arguments: ["--cert", "@server.crt", "--key", "@encrypted.key"],
            failingCheck: "key", detail: "no passphrase"),
    ]

    @Test(
        "check judges key permissions by libpq's rule: root's key may be 0640, anyone else's must be 0600",
        .enabled(if: geteuid() == 0 && getpwnam("postgres") != nil, "needs root and a postgres user"),
        arguments: [
            ("root", 0o640, "ok"), ("root", 0o600, "ok"), ("root", 0o644, "FAIL"), ("postgres", 0o600, "ok"),
            ("postgres", 0o640, "FAIL"),
        ])
    func checkKeyPermissionsAsLibpq(owner: String, mode: Int, status: String) async throws {
        let files = try await CheckFiles.make()
        let key = files.path("owned.key")
        try FileManager.default.copyItem(atPath: files.path("server.key"), toPath: key)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: key)
        #expect(chown(key, owner == "root" ? 0 : getpwnam("postgres")!.pointee.pw_uid, 0) == 0)
        let outcome = try await check(["--cert", "@server.crt", "--key", key, "--format", "json"], in: files)
        #expect(try verdicts(outcome)["key-permissions"] == status, "\(outcome)")
    }

    @Test("check fails the one broken check of a set and exits 1", arguments: brokenSets)
    func checkBrokenSet(_ set: BrokenSet) async throws {
        let files = try await CheckFiles.make()
        let arguments = set.arguments.map { $0 == "OTHER-CA" ? files.otherCA.path : $0 }
        let outcome = try await check(arguments, in: files)
        #expect(outcome.status == 1 && !outcome.terminatedBySignal, "\(outcome)")
        let failures = outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(failures.count == 1, "\(outcome)")
        let failure = try #require(failures.first)
        #expect(
            failure.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
                == Substring(set.failingCheck))
        #expect(failure.contains(set.detail), "\(outcome)")
    }

    /// A certificate file that holds a key, a key file that holds a certificate, an empty file and DER are named
    /// for what they are, with the file, instead of OpenSSL's "no start line" and "unsupported".
    @Test("check says what a file holds instead of a certificate or a key")
    func checkNamesWhatAFileHolds() async throws {
        let files = try await CheckFiles.make()
        let keyAsCertificate = try await check(["--cert", "@server.key"], in: files)
        #expect(keyAsCertificate.status == 1, "\(keyAsCertificate)")
        #expect(
            keyAsCertificate.standardOutput.contains(
                "reading certificates from \(files.path("server.key")) failed: the file holds a private key, not a "
                    + "certificate"),
            "\(keyAsCertificate)")
        let certificateAsKey = try await check(["--cert", "@server.crt", "--key", "@ca.crt"], in: files)
        #expect(certificateAsKey.status == 1, "\(certificateAsKey)")
        #expect(
            certificateAsKey.standardOutput.contains(
                "reading the private key from \(files.path("ca.crt")) failed: the file holds a certificate, not a "
                    + "private key"),
            "\(certificateAsKey)")
        for output in [keyAsCertificate.standardOutput, certificateAsKey.standardOutput] {
            #expect(!output.contains("no start line") && !output.contains("unsupported"), "\(output)")
        }
        try Data().write(to: URL(filePath: files.path("empty.crt")))
        try Data([0x30, 0x82, 0x01, 0x0A, 0x02]).write(to: URL(filePath: files.path("der.crt")))
        try Data("not a certificate\n".utf8).write(to: URL(filePath: files.path("text.crt")))
        for (name, problem) in [
            ("empty.crt", "the file is empty"),
            ("der.crt", "the file is binary (DER?), not PEM text; convert it with openssl x509 -inform der"),
            ("text.crt", "the file holds no PEM certificate (a -----BEGIN CERTIFICATE----- line)"),
        ] {
            #expect(throws: TLSError.self) { try TLSCertificate.chain(pemFile: files.path(name)) }
            do {
                _ = try TLSCertificate.chain(pemFile: files.path(name))
            } catch {
                #expect(error.description.contains("\(files.path(name)) failed: \(problem)"), "\(error)")
            }
            do {
                _ = try TLSPrivateKey(pemFile: files.path(name))
            } catch {
                #expect(error.description.contains("\(files.path(name)) failed: "), "\(error)")
                #expect(!error.description.contains("no start line"), "\(error)")
            }
        }
    }

    @Test(
        "host names match as libpq's verify-full: a whole-label leading wildcard, no dots, any case",
        arguments: [
            ("*.example.test", "db.example.test", true), ("*.example.test", "DB.Example.TEST", true),
            ("*.example.test", "a.b.example.test", false), ("*.example.test", "example.test", false),
            ("*.example.test", ".example.test", false), ("db*.example.test", "db1.example.test", false),
            ("db.example.test", "db.example.test", true), ("db.example.test", "db2.example.test", false),
            ("*", "db", false),
        ])
    func hostNamePatterns(pattern: String, host: String, matches: Bool) {
        #expect(HostNameVerification.matches(pattern: pattern, host: host) == matches)
    }

    // MARK: probe

    @Test("probe reports PostgreSQL's S, TLS facts and chain, and verifies it with the right CA only")
    func probePostgres() async throws {
        let pki = try TestPKI.shared()
        let server = try await PostgresTLSServerFixture.running()
        let good = try await PGWExecutable.run(
            ["certs", "probe", "127.0.0.1:\(server.port)", "--sni", "localhost", "--ca", pki.path("ca.crt")])
        #expect(good.succeeded, "\(good)")
        for expected in [
            "SSLRequest: S", "protocol: TLSv1.3", "certificate 0: CN=localhost", "issuer: CN=pgw test CA",
            "DNS:db1.pgw.test", "chain  verifies to CN=pgw test CA", "host   localhost matches DNS:localhost",
        ] {
            #expect(good.standardOutput.contains(expected), "\(expected) in \(good)")
        }
        let wrongCA = try await PGWExecutable.run(
            ["certs", "probe", "127.0.0.1:\(server.port)", "--sni", "localhost", "--ca", pki.path("other-ca.crt")])
        #expect(wrongCA.status == 1, "\(wrongCA)")
        #expect(wrongCA.standardOutput.contains("FAIL chain"), "\(wrongCA)")
        let wrongName = try await PGWExecutable.run(
            ["certs", "probe", "127.0.0.1:\(server.port)", "--sni", "db2.pgw.test", "--ca", pki.path("ca.crt")])
        #expect(wrongName.status == 1 && wrongName.standardOutput.contains("FAIL host"), "\(wrongName)")
    }

    @Test("probe reads pgw serve's TLS after SSLRequest and directly, with ALPN postgresql", arguments: [false, true])
    func probePGWServe(direct: Bool) async throws {
        let files = try await CheckFiles.make()
        let serve = ["--tls-cert", files.path("server.crt"), "--tls-key", files.path("server.key")]
        let probe = try await CertsServeProcess.withRunning(serve) { port in
            try await PGWExecutable.run(
                ["certs", "probe", "127.0.0.1:\(port)", "--sni", "db.pgw-certs.test", "--ca", files.path("ca.crt")]
                    + (direct ? ["--direct"] : []))
        }
        #expect(probe.succeeded, "\(probe)")
        let answer = direct ? "SSLRequest: not sent (direct TLS)" : "SSLRequest: S"
        for expected in [answer, "alpn: postgresql", "certificate 0: CN=*.pgw-certs.test", "ok   host"] {
            #expect(probe.standardOutput.contains(expected), "\(expected) in \(probe)")
        }
    }

    /// PostgreSQL before 17 reads a direct ClientHello as a startup packet's length and closes the connection: the
    /// probe says direct TLS needs PostgreSQL 17 and to probe without --direct.
    @Test("probe --direct of PostgreSQL 15 hints that direct TLS needs PostgreSQL 17")
    func probeDirectOfAnOlderPostgres() async throws {
        let server = try await PostgresTLSServerFixture.running()
        let probe = try await PGWExecutable.run(
            ["certs", "probe", "127.0.0.1:\(server.port)", "--sni", "localhost", "--direct", "--timeout", "60"])
        #expect(probe.status == 1, "\(probe)")
        #expect(
            probe.standardError.contains(
                "hint: direct TLS (sslnegotiation=direct) needs PostgreSQL 17 or later; an older server closes the "
                    + "connection when TLS starts without SSLRequest"),
            "\(probe)")
        #expect(probe.standardError.contains("probe without --direct to send SSLRequest first"), "\(probe)")
    }

    @Test("probe of a plaintext pgw serve prints N and exits 1")
    func probePlaintextServe() async throws {
        let probe = try await CertsServeProcess.withRunning([]) { port in
            try await PGWExecutable.run(["certs", "probe", "127.0.0.1:\(port)"])
        }
        #expect(probe.status == 1 && probe.standardOutput.contains("SSLRequest: N"), "\(probe)")
    }
}
