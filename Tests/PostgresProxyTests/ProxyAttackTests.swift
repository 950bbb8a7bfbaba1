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
        _ = try await AttackScript.run(attack, port: proxyPort, pid: proxy.processIdentifier, relay: true)
    }
}
