import Foundation
import Testing

/// `.ci/gateway-attacks.py`, the hostile clients shared by the test suite (test size) and `.ci/stress` (full size).
public enum AttackScript {
    /// Runs `attack` against the server (or, with `relay`, the proxy) listening on `port` as process `pid`; records
    /// an issue unless the attack reports that it passed, and returns its findings.
    public static func run(
        _ attack: String, port: Int, pid: Int32, relay: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let script = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: ".ci/gateway-attacks.py")
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            [script.path] + (relay ? ["--relay"] : []) + ["--port", String(port), "--pid", String(pid), attack],
            timeout: .seconds(150)
        ).run()
        let line = outcome.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        let findings = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(findings?["passed"] as? Bool == true, "\(outcome)", sourceLocation: sourceLocation)
        #expect(outcome.succeeded, "\(outcome)", sourceLocation: sourceLocation)
        return findings ?? [:]
    }
}
