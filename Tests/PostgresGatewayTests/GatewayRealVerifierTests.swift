import Foundation
import PostgresGateway
import PostgresTestSupport
import PostgresWire
import Testing

/// The gateway authenticates with SCRAM verifiers that a real PostgreSQL made and stored in pg_authid.
@Suite(.timeLimit(.minutes(3)))
struct GatewayRealVerifierTests {
    @Test func verifierFromPgAuthidLogsInThroughTheGateway() async throws {
        let postgres = try await PostgresServerFixture.start(.gatewayTests(hostBasedAuthentication: []))
        defer { Task { await postgres.stop() } }
        let stored = try await postgres.runAdministrativeSQL(
            """
            SET password_encryption = 'scram-sha-256';
            CREATE ROLE bob LOGIN PASSWORD 'hunter2 ✓';
            SELECT rolpassword FROM pg_authid WHERE rolname = 'bob';
            """
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(stored.hasPrefix("SCRAM-SHA-256$4096:"))

        let hooks = PostgresServerConnectionHooks(scramVerifier: { user, _ in user == "bob" ? stored : nil })
            .servingQueries(with: ServerEmulationResponder(serverVersion: "18.0"))
        let server = try await PostgresServer.bind(
            port: 0,
            configuration: PostgresServerConnectionConfiguration(authenticationMode: .scramSHA256),
            hooks: hooks
        )
        defer { Task { await server.shutdown() } }
        let port = try #require(server.localAddress?.port)
        func login(_ password: String) async throws -> ProcessOutcome {
            var environment = ProcessInfo.processInfo.environment
            environment["PGPASSWORD"] = password
            environment["PGPASSFILE"] = "/dev/null"
            return try await SubprocessCommand(
                try PostgresInstallation.executableOnPath("psql"),
                ["-X", "-tA", "-c", "select 'in'", "host=127.0.0.1 port=\(port) user=bob dbname=x"],
                environment: environment,
                timeout: .seconds(30)
            ).run()
        }
        let right = try await login("hunter2 ✓")
        #expect(right.standardOutput == "in\n", "\(right)")
        let wrong = try await login("hunter2")
        #expect(wrong.standardError.contains("password authentication failed for user \"bob\""), "\(wrong)")
    }
}
