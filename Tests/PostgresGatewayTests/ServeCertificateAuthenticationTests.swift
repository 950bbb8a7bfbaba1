import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve --auth cert` answers as PostgreSQL with `hostssl all all 127.0.0.1/32 cert` and `ssl_ca_file` does: the
/// handshake asks for a client certificate without requiring one, so a client without one gets PostgreSQL's FATAL
/// at login (psql shows the reason) instead of a TLS alert; a certificate the CAs did not sign is refused in the
/// handshake.
@Suite(.timeLimit(.minutes(2)))
struct ServeCertificateAuthenticationTests {
    /// A `pgw serve --auth cert` with the test CA, the server certificate for ``TestCertificates/serverName``, and
    /// a home directory with no `~/.postgresql` (so psql sends only the certificate it is given).
    private struct Setup {
        let serve: ServeProcess
        let certificates: TestCertificates
        let home: URL

        /// `host=… hostaddr=127.0.0.1 port=… user=USER dbname=app sslmode=verify-full …`, with `sslcert` and
        /// `sslkey` from the test certificates (or `selfSigned`) when `certificate` is given.
        func conninfo(user: String, certificate: String?) -> String {
            var text =
                "host=\(TestCertificates.serverName) hostaddr=127.0.0.1 port=\(serve.port) user=\(user) dbname=app "
                + "sslmode=verify-full sslrootcert=\(certificates.path("ca.crt")) gssencmode=disable"
            if let certificate {
                let directory = certificate == "self-signed" ? home.path : certificates.directory.path
                text += " sslcert=\(directory)/\(certificate).crt sslkey=\(directory)/\(certificate).key"
            }
            return text
        }

        /// psql running `select 1` as `user` with `certificate`.
        func psql(user: String, certificate: String?) async throws -> ProcessOutcome {
            try await SubprocessCommand(
                try PostgresInstallation.executableOnPath("psql"),
                ["-X", "-w", "-tA", "-c", "select 1", conninfo(user: user, certificate: certificate)],
                environment: environment, timeout: .seconds(30)
            ).run()
        }

        /// `pgw repl` (pgw's client, which prints every field of the server's error) logging in as `user` with
        /// `certificate`.
        func pgwClient(user: String, certificate: String?) async throws -> ProcessOutcome {
            try await SubprocessCommand(
                try PGWExecutable.url(), ["repl", "-w", conninfo(user: user, certificate: certificate)],
                environment: environment, standardInput: Data(), timeout: .seconds(30)
            ).run()
        }

        private var environment: [String: String] {
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
            environment["HOME"] = home.path
            return environment
        }
    }

    /// Starts the server and makes `self-signed.crt` (CN alice, signed by no CA the server knows) in a new home
    /// directory; runs `body`, then removes the directory.
    private static func withServer(_ body: (Setup) async throws -> Void) async throws {
        let certificates = try TestCertificates.shared()
        let home = FileManager.default.temporaryDirectory.appending(path: "pgw-cert-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let made = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("openssl"),
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=alice", "-keyout", home.appending(path: "self-signed.key").path, "-out",
                home.appending(path: "self-signed.crt").path,
            ],
            timeout: .seconds(30)
        ).run()
        try #require(made.status == 0, "\(made)")
        let serve = try await ServeProcess([
            "--auth", "cert", "--tls-cert", certificates.path("server.crt"), "--tls-key",
            certificates.path("server.key"), "--tls-ca", certificates.path("ca.crt"),
        ])
        try await body(Setup(serve: serve, certificates: certificates, home: home))
    }

    @Test func clientsWithoutAValidCertificateGetPostgreSQLsAnswers() async throws {
        try await Self.withServer { setup in
            let valid = try await setup.psql(user: "alice", certificate: "alice")
            #expect(valid.status == 0 && valid.standardOutput == "1\n", "\(valid)")

            // No certificate: the handshake completes and the login fails as in PostgreSQL, the same for any user.
            let none = try await setup.psql(user: "alice", certificate: nil)
            #expect(none.status == 2, "\(none)")
            #expect(
                none.standardError.contains("FATAL:  connection requires a valid client certificate"), "\(none)")
            let stranger = try await setup.psql(user: "nobody", certificate: nil)
            #expect(stranger.standardError == none.standardError, "\(stranger)")
            let noneFields = try await setup.pgwClient(user: "alice", certificate: nil)
            // As psql at its default verbosity: the severity and message, without SQLSTATE or LOCATION lines.
            #expect(
                noneFields.status == 1
                    && noneFields.standardError.contains("FATAL:  connection requires a valid client certificate\n")
                    && !noneFields.standardError.contains("SQLSTATE"),
                "\(noneFields)")

            // A certificate for another role.
            let mismatch = try await setup.psql(user: "alice", certificate: "mallory")
            #expect(
                mismatch.status == 2
                    && mismatch.standardError.contains("FATAL:  certificate authentication failed for user \"alice\""),
                "\(mismatch)")
            let mismatchFields = try await setup.pgwClient(user: "alice", certificate: "mallory")
            #expect(
                mismatchFields.standardError.contains("FATAL:  certificate authentication failed for user \"alice\"\n")
                    && !mismatchFields.standardError.contains("SQLSTATE"),
                "\(mismatchFields)")

            // A certificate that does not chain to --tls-ca is refused in the handshake, as PostgreSQL refuses it.
            let untrusted = try await setup.psql(user: "alice", certificate: "self-signed")
            #expect(
                untrusted.status == 2 && untrusted.standardError.contains("SSL error: tlsv1 alert unknown ca"),
                "\(untrusted)")
        }
    }
}
