import PostgresAuthentication
import PostgresGateway
import PostgresTestSupport
import Testing

/// Checks stored passwords and verifiers against a real PostgreSQL server and its own client, psql.
@Suite(
    .postgresServer(
        .gatewayTests(hostBasedAuthentication: [
            "host all gw_md5 127.0.0.1/32 md5",
            "host all gw_scram 127.0.0.1/32 scram-sha-256",
            "host all gw_scram_unicode 127.0.0.1/32 scram-sha-256",
        ])
    ),
    .timeLimit(.minutes(5))
)
struct RealPostgresAuthenticationTests {
    @Test func md5StoredHashLogsInWithTheRightPasswordOnly() async throws {
        let server = try PostgresServerTrait.server()
        let storedHash = MD5Password.storedHash(user: "gw_md5", password: "md5-Secret")
        let stored = try await Self.createRole("gw_md5", password: storedHash, encryption: "scram-sha-256", on: server)
        #expect(stored == storedHash, "PostgreSQL should keep an MD5 hash as given")
        try await Self.expectLogin(as: "gw_md5", password: "md5-Secret", wrongPassword: "md5-secret", on: server)
    }

    @Test func scramVerifierLogsInWithTheRightPasswordOnly() async throws {
        let server = try PostgresServerTrait.server()
        let verifier = SCRAMVerifier.make(password: "scram-Secret")
        let stored = try await Self.createRole(
            "gw_scram", password: verifier.stringValue, encryption: "md5", on: server)
        #expect(stored == verifier.stringValue, "PostgreSQL should keep a SCRAM verifier as given")
        try await Self.expectLogin(as: "gw_scram", password: "scram-Secret", wrongPassword: "scram-secret", on: server)
    }

    /// libpq applies SASLprep to the password it sends, so the login only works if the verifier was made with
    /// the same preparation; the NFKC-equivalent spelling logs in too.
    @Test func scramVerifierOfANonASCIIPasswordLogsIn() async throws {
        let server = try PostgresServerTrait.server()
        let password = "P\u{00E4}ss\u{00A0}w\u{00F6}rd\u{00AD}\u{FB01}"
        let verifier = SCRAMVerifier.make(password: password)
        _ = try await Self.createRole("gw_scram_unicode", password: verifier.stringValue, encryption: "md5", on: server)
        try await Self.expectLogin(
            as: "gw_scram_unicode", password: password, wrongPassword: "Passw\u{00F6}rd", on: server)
        let equivalent = try await server.runSQL(
            "SELECT current_user", as: "gw_scram_unicode", password: "Pa\u{0308}ss w\u{00F6}rdfi")
        #expect(equivalent.succeeded, "\(equivalent)")
    }

    /// Verifiers PostgreSQL made itself: parsing, printing, verifying, and re-deriving them with their salt.
    @Test(arguments: [
        "pencil",
        "P\u{00E4}ss\u{00A0}w\u{00F6}rd\u{00AD}\u{FB01}",  // mapped and NFKC-normalized
        "\u{FF50}\u{FF41}\u{FF53}\u{FF53}\u{3000}word",  // fullwidth, ideographic space
        "caf\u{0065}\u{0301}",  // decomposed
        "bell\u{00A0}\u{0007}",  // ASCII control: raw bytes
        "\u{E000}\u{00A0}private",  // private use: raw bytes
        "\u{0221}\u{00A0}",  // unassigned in Unicode 3.2: raw bytes
        "\u{00AD}\u{FEFF}",  // empty after mapping: raw bytes
    ])
    func verifierFromPgAuthid(password: String) async throws {
        let server = try PostgresServerTrait.server()
        let stored = try await Self.createRole(
            Self.uniqueRoleName(), password: password, encryption: "scram-sha-256", on: server)
        let verifier = try SCRAMVerifier(parsing: stored)
        #expect(verifier.stringValue == stored)
        #expect(verifier.verify(password: password))
        #expect(!verifier.verify(password: password + "x"))
        #expect(
            SCRAMVerifier.make(password: password, salt: verifier.salt, iterations: verifier.iterations) == verifier)
    }

    @Test func md5HashFromPgAuthid() async throws {
        let server = try PostgresServerTrait.server()
        let role = Self.uniqueRoleName()
        let stored = try await Self.createRole(role, password: "md5 pass", encryption: "md5", on: server)
        #expect(stored == MD5Password.storedHash(user: role, password: "md5 pass"))
    }

    @Test func verifyPasswordCommandChecksPgAuthidEntries() async throws {
        let server = try PostgresServerTrait.server()
        let scramRole = Self.uniqueRoleName()
        let md5Role = Self.uniqueRoleName()
        let scram = try await Self.createRole(
            scramRole, password: "cli-Secret", encryption: "scram-sha-256", on: server)
        let md5 = try await Self.createRole(md5Role, password: "cli-Secret", encryption: "md5", on: server)
        for arguments in [["--verifier", scram], ["--verifier", md5, "--user", md5Role]] {
            let command = ["certs", "verify-password"] + arguments
            let match = try await PGWExecutable.run(command, standardInput: "cli-Secret\n")
            #expect(match.status == 0 && match.standardOutput == "match\n", "\(match)")
            let mismatch = try await PGWExecutable.run(command, standardInput: "cli-secret\n")
            #expect(mismatch.status == 1 && mismatch.standardOutput == "mismatch\n", "\(mismatch)")
        }
    }

    /// Creates a login role with `password` under `password_encryption = encryption` and returns its
    /// `pg_authid.rolpassword`.
    private static func createRole(
        _ role: String, password: String, encryption: String, on server: PostgresServerFixture
    ) async throws -> String {
        let literal = password.replacing("'", with: "''")
        let output = try await server.runAdministrativeSQL(
            "SET password_encryption = '\(encryption)'; CREATE ROLE \(role) LOGIN PASSWORD '\(literal)'; "
                + "SELECT rolpassword FROM pg_authid WHERE rolname = '\(role)'")
        return String(output.dropLast())
    }

    private static func expectLogin(
        as role: String, password: String, wrongPassword: String, on server: PostgresServerFixture
    ) async throws {
        let accepted = try await server.runSQL("SELECT current_user", as: role, password: password)
        #expect(accepted.succeeded, "\(accepted)")
        #expect(accepted.standardOutput == role + "\n")
        let rejected = try await server.runSQL("SELECT current_user", as: role, password: wrongPassword)
        #expect(rejected.status == 2, "\(rejected)")
        #expect(rejected.standardError.contains("password authentication failed for user \"\(role)\""))
    }

    private static func uniqueRoleName() -> String {
        "gw_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}
