import Foundation
import PostgresTestSupport
import Testing

/// `ClientExample` (Sources/Examples/Client) prints what `psql -XtA` prints, from the same connection string,
/// environment and password.
struct ClientExampleTests {
    static func run(_ executable: URL, _ arguments: [String], password: String) async throws -> ProcessOutcome {
        let home = try TemporaryDirectory()
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["HOME"] = home.url.path
        environment["PGPASSWORD"] = password
        return try await SubprocessCommand(executable, arguments, environment: environment, timeout: .seconds(30)).run()
    }

    @Test func printsWhatPsqlPrints() async throws {
        let servers = try await ClientTestServers.running()
        let conninfo = "postgresql://scram_user@127.0.0.1:\(servers.tlsPort)/postgres?sslmode=require"
        let sql = "select 1, 'two', null, current_user union all select 3, 'four', 'x', 'y'"
        let password = ClientTestServers.passwords["scram_user"]!
        let example = try await Self.run(
            try BuiltProduct.url(named: "ClientExample"), [conninfo, sql], password: password)
        let psql = try await Self.run(
            try PostgresInstallation().executable("psql"), ["-XtA", "-c", sql, conninfo], password: password)
        #expect(example.succeeded, "\(example)")
        #expect(psql.succeeded, "\(psql)")
        #expect(example.standardOutput == psql.standardOutput)
        #expect(example.standardOutput == "1|two||scram_user\n3|four|x|y\n")

        let wrong = try await Self.run(
            try BuiltProduct.url(named: "ClientExample"), [conninfo, sql], password: "wrong")
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("password authentication failed for user \"scram_user\""), "\(wrong)")
    }
}
