import Foundation
import PostgresProxy
import PostgresTestSupport
import PostgresWire
import Testing

/// Messages longer than the tap decodes (1 MiB) pass through the proxy unchanged and are logged by type, length and
/// first bytes, without the tap holding them.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-large",
            hostBasedAuthentication: ["host all proxy_large 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_large", password: "large-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(2))
)
struct ProxyLargeMessageTests {
    @Test func oversizedQueryAndDataRowPassUnchangedAndAreLoggedByTypeAndLength() async throws {
        let server = try PostgresServerTrait.server()
        // A 3 MB Query, answered with a 3 MB DataRow; then ordinary messages, decoded as usual.
        let literal = String(repeating: "y", count: 3_000_000)
        let script = "SELECT md5('\(literal)') AS digest, repeat('x', 3000000) AS big;\nSELECT 42 AS after;\n"
        let direct = try await ProxyHarness.psql(
            port: server.port, role: "proxy_large", password: "large-Secret", script: script, server: server)
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let proxied = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_large", password: "large-Secret", script: script, server: server)
        let log = try await harness.stop()
        defer { harness.removeFiles() }
        #expect(direct.succeeded && direct.standardOutput.utf8.count > 3_000_000, "\(direct.standardError)")
        #expect(
            proxied.standardOutput == direct.standardOutput,
            "the results differ through the proxy: \(proxied.standardError)\n\(log.suffix(20).joined(separator: "\n"))")
        let query = try #require(log.first { $0.contains(" F Unknown length=3000") && $0.contains("(Query of ") })
        #expect(query.contains("relayed unchanged") && query.hasSuffix("…"), "\(query)")
        #expect(log.contains { $0.contains(" B Unknown length=3000") && $0.contains("(DataRow of ") })
        #expect(log.contains { $0.contains(#"B DataRow ["42"]"#) }, "decoding goes on after the skipped messages")
        #expect(log.contains { $0.contains("B ReadyForQuery") && $0.contains(" ms)") })
        let summary = try #require(log.last { $0.contains("closed after") })
        #expect(summary.contains(", 0 errors"), "an oversized message is not an error: \(summary)")
    }

    /// `--record` decodes a Query up to 16 MiB: a 3 MB statement is recorded whole and replays under `--verify`.
    @Test func recordingKeepsAStatementOverTheLogsDecodingLimit() async throws {
        let server = try PostgresServerTrait.server()
        let literal = String(repeating: "y", count: 3_000_000)
        let script = "SELECT md5('\(literal)') AS digest;\n"
        let (harness, recording, scriptFile, directory) = try await ProxyHarness.startRecording(
            upstreamPort: server.port, format: .text)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorded = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_large", password: "large-Secret", script: script, server: server)
        _ = try await harness.stop()
        defer { harness.removeFiles() }
        try recording.write()
        let yaml = try String(contentsOf: scriptFile, encoding: .utf8)
        #expect(recorded.succeeded && recorded.standardOutput.contains("digest"), "\(recorded.standardError)")
        #expect(yaml.hasPrefix("# Recorded by pgw proxy: 1 statements. "), "\(yaml.prefix(300))")
        #expect(yaml.contains(literal), "the statement is recorded whole")
        let verification = Pipe()
        let (serve, servePort) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            ["serve", "--port", "0", "--log-level", "warning", "--verify", "--script", scriptFile.path],
            standardError: verification)
        defer { serve.terminate() }
        let replayed = try await ProxyHarness.psql(
            port: servePort, role: "proxy_large", password: "large-Secret", script: script, server: server)
        #expect(replayed.standardOutput == recorded.standardOutput, "\(replayed.standardError)")
        serve.terminate()
        let report = try await offPool {
            let report = verification.fileHandleForReading.readDataToEndOfFile()
            serve.waitUntilExit()
            return String(decoding: report, as: UTF8.self)
        }
        #expect(serve.terminationStatus == 0, "\(report.prefix(2000))")
    }
}
