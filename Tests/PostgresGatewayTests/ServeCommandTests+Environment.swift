import Foundation
import PostgresTestSupport
import Testing

/// The `PG*` variables the subcommands read are read as libpq reads them: a value that is not a port is refused with
/// libpq's words and exit status 64, never passed over for the default (`PGPORT=abc pgw serve` listened on 5432).
extension ServeCommandTests {
    @Test(arguments: [["serve"], ["proxy", "--listen", "127.0.0.1:0"], ["repl"]])
    func invalidPGPORTIsAUsageError(arguments: [String]) async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGPORT"] = "abc"
        environment["PGHOST"] = "127.0.0.1"
        let outcome = try await SubprocessCommand(
            try PGWExecutable.url(), arguments, environment: environment, standardInput: Data(),
            timeout: .seconds(30)
        ).run()
        #expect(outcome.status == 64, "\(outcome)")
        #expect(
            outcome.standardError.contains(#"invalid integer value "abc" for connection option "port""#), "\(outcome)")
    }

    @Test func outOfRangePGPORTIsAUsageError() async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGPORT"] = "70000"
        let outcome = try await SubprocessCommand(
            try PGWExecutable.url(), ["serve"], environment: environment, timeout: .seconds(30)
        ).run()
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.standardError.contains(#"invalid port number: "70000" (from PGPORT)"#), "\(outcome)")
    }

    @Test(arguments: ["abc", "", "9", "16.4.1"])
    func serverVersionsOfAnotherFormAreUsageErrors(version: String) async throws {
        let outcome = try await SubprocessCommand(
            try PGWExecutable.url(), ["serve", "--port", "0", "--server-version", version], timeout: .seconds(30)
        ).run()
        #expect(outcome.status == 64, "\(outcome)")
        #expect(
            outcome.standardError.contains("--server-version takes a PostgreSQL version, MAJOR.MINOR")
                && outcome.standardError.contains("got '\(version)'"), "\(outcome)")
    }
}
