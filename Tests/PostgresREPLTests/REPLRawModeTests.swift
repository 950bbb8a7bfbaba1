import Foundation
import PostgresTestSupport
import Testing

/// `pgw repl --raw`: the person types the startup, SSLRequest and `\tls` themselves.
@Suite(.timeLimit(.minutes(3)))
struct REPLRawModeTests {
    /// Against `pgw serve` with TLS: SSLRequest is answered `S`, `\tls` starts the handshake, and the startup and
    /// a query then run inside TLS (the gateway refuses plaintext startups, so the login proves TLS is on).
    @Test func sslRequestThenTLSByHand() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-repl-tls-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generated = try await PGWExecutable.run([
            "certs", "generate", "--dir", directory.path, "--server-name", "127.0.0.1",
        ])
        try #require(generated.status == 0, "\(generated)")
        let port = try FreeLoopbackPort.find()
        let script = #"""
            "$1" serve --port "$2" --tls-cert "$3/server.crt" --tls-key "$3/server.key" --log-level warning &
            serve=$!
            trap 'kill $serve' EXIT
            for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.05; done
            "$1" repl --raw "host=127.0.0.1 port=$2" --timeout 5 <<'LINES'
            SSLRequest
            \expect SSLResponse accepted=true
            \tls
            StartupMessage user="alice" database="app"
            \expect AuthenticationOk
            \wait
            Query "select 1"
            \wait
            LINES
            """#
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", script, "bash", try PGWExecutable.url().path, "\(port)", directory.path],
            timeout: .seconds(30)
        ).run()
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("-- TLS handshake started"), "\(outcome)")
        #expect(outcome.standardOutput.contains("-- TLS handshake completed: TLSv1."), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["1"]"#), "\(outcome)")
    }
}
