import Foundation
import PostgresTestSupport
import Testing

/// Hostile clients against `pgw proxy` (logging every message as JSON) in front of `pgw serve`
/// (`.ci/gateway-attacks.py --relay` at test size; `.ci/stress --through-proxy` runs the full sizes): the proxy
/// holds no message whole, follows the slowest side, and keeps serving others.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProxyAttackTests {
    @Test(arguments: ["copy-stream", "huge-message", "pipeline-without-reading", "slowloris"])
    func proxySurvives(attack: String) async throws {
        let (server, serverPort) = try await ListeningProcess.start(
            try PGWExecutable.url(), ["serve", "--port", "0", "--log-level", "error"])
        defer { server.terminate() }
        let log = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-attack-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let (proxy, proxyPort) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            [
                "proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:\(serverPort)", "--format", "json",
                "--output", log.path, "--log-level", "error",
            ])
        defer { proxy.terminate() }
        let script = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: ".ci/gateway-attacks.py")
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            [
                script.path, "--relay", "--port", String(proxyPort), "--pid", String(proxy.processIdentifier),
                attack,
            ],
            timeout: .seconds(150)
        ).run()
        let line = outcome.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        let findings = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(findings?["passed"] as? Bool == true, "\(outcome)")
        #expect(outcome.succeeded, "\(outcome)")
    }
}
