import Foundation
import PostgresTestSupport
import Testing

/// `pgw certs probe` finds its server as psql does: HOST:PORT, -h/-p, or PGHOST/PGPORT.
@Suite(.timeLimit(.minutes(2)))
struct CertsProbeConventionsTests {
    static func probe(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        for name in ["PGHOST", "PGPORT", "PGSSLROOTCERT"] { environment[name] = nil }
        environment.merge(extra) { _, new in new }
        return try await SubprocessCommand(
            try PGWExecutable.url(), ["certs", "probe", "--timeout", "10"] + arguments, environment: environment,
            timeout: .seconds(30)
        ).run()
    }

    @Test func serverFromOptionsOrEnvironment() async throws {
        // A server without TLS answers N: the probe reaches it, reports it and exits 1.
        let server = try await ServeProcess([])
        let declined = "SSLRequest: N (TLS declined)\n"
        let fromOptions = try await Self.probe(["-h", "127.0.0.1", "-p", String(server.port)])
        #expect(fromOptions.standardOutput == declined, "\(fromOptions)")
        #expect(fromOptions.status == 1)
        let fromEnvironment = try await Self.probe(
            [], environment: ["PGHOST": "127.0.0.1", "PGPORT": String(server.port)])
        #expect(fromEnvironment.standardOutput == declined, "\(fromEnvironment)")
        let portOnly = try await Self.probe(["127.0.0.1"], environment: ["PGPORT": String(server.port)])
        #expect(portOnly.standardOutput == declined, "\(portOnly)")
        let bareHostAndPort = try await Self.probe(["127.0.0.1", "-p", String(server.port)])
        #expect(bareHostAndPort.standardOutput == declined, "\(bareHostAndPort)")
    }

    /// A Unix socket directory or a list of hosts (both valid in PGHOST for psql) is refused, saying why; a name
    /// that does not resolve is reported in libpq's words.
    @Test func socketDirectoriesHostListsAndUnknownNamesSayWhat() async throws {
        let socket = try await Self.probe([], environment: ["PGHOST": "/tmp/sock"])
        #expect(socket.status == 64)
        #expect(socket.standardError.contains("PGHOST: \"/tmp/sock\" is a Unix socket directory"), "\(socket)")
        let list = try await Self.probe([], environment: ["PGHOST": "127.0.0.1,localhost"])
        #expect(list.status == 64)
        #expect(list.standardError.contains("\"127.0.0.1,localhost\" lists several hosts"), "\(list)")
        let unknown = try await Self.probe(["-h", "no-such-host.invalid"])
        #expect(unknown.status == 1)
        #expect(
            unknown.standardError.contains("could not translate host name \"no-such-host.invalid\" to address: "),
            "\(unknown)")
        #expect(!unknown.standardError.contains("is the server running"), "\(unknown)")
    }

    @Test func badPortsAndUnreachableServersSayWhat() async throws {
        let outOfRange = try await Self.probe(["-p", "70000"])
        #expect(outOfRange.status == 64)
        #expect(outOfRange.standardError.contains("the port must be a number from 1 to 65535, not '70000'"))
        let both = try await Self.probe(["127.0.0.1:5432", "-p", "5433"])
        #expect(both.status == 64)
        #expect(both.standardError.contains("Give the port either in HOST:PORT or with -p, not both"), "\(both)")
        let twoHosts = try await Self.probe(["127.0.0.1", "-h", "localhost"])
        #expect(twoHosts.status == 64)
        let port = try FreeLoopbackPort.find()
        let refused = try await Self.probe([], environment: ["PGHOST": "127.0.0.1", "PGPORT": String(port)])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("cannot connect to 127.0.0.1:\(port): Connection refused"), "\(refused)")
        #expect(refused.standardError.contains("hint: is the server running"))
    }

    @Test func pgwAloneIsAUsageError() async throws {
        let outcome = try await PGWExecutable.run([])
        #expect(outcome.status == 64)
        #expect(outcome.standardError.contains("USAGE: pgw <subcommand>"))
    }
}
