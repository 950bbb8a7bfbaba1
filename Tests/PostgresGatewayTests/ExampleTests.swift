import Foundation
import PostgresTestSupport
import Testing

/// The example programs' happy paths, run as a user would run them.
@Suite(.timeLimit(.minutes(3)))
struct ExampleTests {
    /// A built example program running in the background, with the port it printed.
    final class RunningExample: Sendable {
        let process: Process
        let port: Int

        init(_ name: String, _ arguments: [String]) async throws {
            let (process, port) = try await ListeningProcess.start(try BuiltProduct.url(named: name), arguments)
            self.process = process
            self.port = port
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    static func psql(_ commands: [String], conninfo: String, password: String? = nil) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGGSSENCMODE"] = "disable"
        return try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("psql"),
            ["-X", "-tA", "-v", "ON_ERROR_STOP=1"] + commands.flatMap { ["-c", $0] } + [conninfo],
            environment: environment,
            timeout: .seconds(30)
        ).run()
    }

    @Test func echoServer() async throws {
        let example = try await RunningExample("EchoServerExample", ["0"])
        defer { example.stop() }
        let conninfo = "host=127.0.0.1 port=\(example.port) user=alice"
        let outcome = try await Self.psql(["select 'hello'"], conninfo: conninfo, password: "secret")
        #expect(outcome.standardOutput == "hello\n", "\(outcome)")
        let wrong = try await Self.psql(["select 1"], conninfo: conninfo, password: "nope")
        #expect(wrong.standardError.contains("password authentication failed"), "\(wrong)")
    }

    @Test func sqliteServer() async throws {
        let database = FileManager.default.temporaryDirectory.appending(path: "pgw-example-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: database) }
        let example = try await RunningExample("SQLiteServerExample", [database.path, "0"])
        defer { example.stop() }
        let conninfo = "host=127.0.0.1 port=\(example.port) user=me"
        let outcome = try await Self.psql(
            [
                "create table t(id integer, name text)", "insert into t values (1, 'one'), (2, 'two')",
                "select name from t order by id",
            ],
            conninfo: conninfo
        )
        #expect(outcome.standardOutput == "CREATE TABLE\nINSERT 0 2\none\ntwo\n", "\(outcome)")
        // The extended protocol with a bound parameter, through asyncpg.
        let extended = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            [
                "-c",
                "import asyncio, asyncpg\nasync def m():\n    c = await asyncpg.connect(host='127.0.0.1', port=\(example.port), user='me')\n    print(await c.fetchval('select id from t where name = $1', 'two'))\nasyncio.run(m())",
            ],
            timeout: .seconds(30)
        ).run()
        #expect(extended.standardOutput == "2\n", "\(extended)")
    }

    @Test func sniProxyInFrontOfPostgreSQL() async throws {
        let upstream = try await PostgresServerFixture.start(.gatewayTests(hostBasedAuthentication: []))
        defer { Task { await upstream.stop() } }
        let certificates = try TestCertificates.shared()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-sni-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = TestCertificates.serverName
        try FileManager.default.copyItem(
            atPath: certificates.path("server.crt"), toPath: directory.appending(path: "\(name).crt").path)
        try FileManager.default.copyItem(
            atPath: certificates.path("server.key"), toPath: directory.appending(path: "\(name).key").path)

        let example = try await RunningExample(
            "SNIProxyExample",
            ["--listen", "0", "--certificates", directory.path, "--route", "\(name)=127.0.0.1:\(upstream.port)"]
        )
        defer { example.stop() }
        let conninfo =
            "host=\(name) hostaddr=127.0.0.1 port=\(example.port) user=postgres dbname=postgres sslmode=verify-full sslrootcert=\(certificates.path("ca.crt"))"
        let outcome = try await Self.psql(
            ["select 'via ' || current_setting('server_version_num')::int / 10000"], conninfo: conninfo)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.hasPrefix("via "), "\(outcome)")
        let unknown = try await Self.psql(
            ["select 1"],
            conninfo: "host=other.pgw.test hostaddr=127.0.0.1 port=\(example.port) user=postgres sslmode=require"
        )
        #expect(!unknown.succeeded, "\(unknown)")
    }
}
