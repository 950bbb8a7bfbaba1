import Foundation
import NIOCore
import PostgresProxy
import PostgresTestSupport

/// A `PostgresProxy` in this process relaying to a test server, logging to a file in a fresh directory.
struct ProxyHarness {
    /// The running proxy.
    let proxy: PostgresProxy
    /// The port the proxy listens on.
    let port: Int
    /// The traffic log file.
    let logFile: URL

    /// Starts a proxy to `127.0.0.1:upstreamPort` logging in `format`.
    static func start(upstreamPort: Int, format: TrafficLogFormat) async throws -> ProxyHarness {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logFile = directory.appending(path: "traffic.log")
        let sink = try TrafficLogSink.file(atPath: logFile.path)
        let configuration = ProxyConfiguration(
            upstream: UpstreamServer(host: "127.0.0.1", port: upstreamPort), format: format)
        let proxy = try await PostgresProxy.start(host: "127.0.0.1", port: 0, configuration: configuration, sink: sink)
        return ProxyHarness(proxy: proxy, port: proxy.localAddress?.port ?? 0, logFile: logFile)
    }

    /// Shuts the proxy down (flushing the log) and returns the log's lines.
    func stop() async throws -> [String] {
        // Let sessions whose clients have just left end on their own before the shutdown closes the rest.
        for _ in 0..<100 where proxy.relayedConnectionCount > 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        await proxy.shutdown(timeout: .seconds(2))
        let text = try String(contentsOf: logFile, encoding: .utf8)
        try? FileManager.default.removeItem(at: logFile.deletingLastPathComponent())
        return text.split(separator: "\n").map(String.init)
    }

    /// Runs psql against `127.0.0.1:port` as `role` with `password`, feeding `script` on standard input.
    static func psql(
        port: Int, role: String, password: String, script: String, server: PostgresServerFixture
    ) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGCONNECT_TIMEOUT"] = "20"
        environment["PGSSLMODE"] = "prefer"
        return try await SubprocessCommand(
            try server.installation.executable("psql"),
            [
                "-X", "-w", "-h", "127.0.0.1", "-p", String(port), "-U", role, "-d", "postgres", "-v",
                "VERBOSITY=verbose",
            ],
            environment: environment,
            standardInput: Data(script.utf8),
            timeout: .seconds(60)
        ).run()
    }
}
