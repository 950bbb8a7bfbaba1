import Foundation
import PostgresTestSupport
import Testing

/// psql's habits: `[DBNAME [USERNAME]]` as bare words, port lists, `-f -`; raw bytes typed pass as bytes; `\tls`
/// refused when the server said N.
extension REPLBatchTests {
    /// Runs `pgw repl` with `arguments` (no connection string) and `script` on standard input.
    private static func runWith(_ arguments: [String], script: String) async throws -> ProcessOutcome {
        try await withEmptyHome { _, environment in
            try await SubprocessCommand(
                try PGWExecutable.url(), ["repl", "--timeout", "5"] + arguments, environment: environment,
                standardInput: Data(script.utf8), timeout: .seconds(30)
            ).run()
        }
    }

    @Test func bareWordsArePsqlsDatabaseAndUser() async throws {
        let server = try PostgresServerTrait.server()
        let outcome = try await Self.runWith(
            ["-h", "127.0.0.1,127.0.0.1", "-p", "\(server.port),\(server.port)", "-f", "-", "template1", "postgres"],
            script: #"""
                Query "select current_database(), current_user"
                \expect RowDescription
                \expect DataRow columns=["template1", "postgres"]
                """#)
        #expect(outcome.status == 0, "\(outcome)")
    }

    @Test func rawBytesInALineAreSentAsBytes() async throws {
        var script = Data(#"Query "select '"#.utf8)
        script.append(0xE9)
        script.append(contentsOf: Array("'\"\n\\expect ErrorResponse code=22021\n".utf8))
        let server = try PostgresServerTrait.server()
        let outcome = try await Self.withEmptyHome { _, environment in
            try await SubprocessCommand(
                try PGWExecutable.url(),
                ["repl", "host=127.0.0.1 port=\(server.port) user=postgres dbname=postgres", "--timeout", "5"],
                environment: environment, standardInput: script, timeout: .seconds(30)
            ).run()
        }
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"F Query "select '\xe9'""#), "\(outcome)")
    }

    @Test func tlsAfterARefusedSSLRequestIsRefused() async throws {
        let server = try PostgresServerTrait.server()
        let outcome = try await Self.runWith(
            ["--raw", "host=127.0.0.1 port=\(server.port)"],
            script: """
                SSLRequest
                \\expect SSLResponse
                \\tls
                """)
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains("3: cannot start TLS: the server refused TLS: it answered the SSLRequest N"),
            "\(outcome)")
    }
}
