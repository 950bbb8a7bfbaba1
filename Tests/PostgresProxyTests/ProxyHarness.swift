import Foundation
import NIOCore
import PostgresGateway
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

    /// The pcapng capture file, when asked for.
    let captureFile: URL?

    /// Starts a proxy to `127.0.0.1:upstreamPort` logging in `format`, and capturing packets when `capturing`.
    static func start(upstreamPort: Int, format: TrafficLogFormat, capturing: Bool = false) async throws -> ProxyHarness
    {
        try await start(
            upstream: UpstreamServer(host: "127.0.0.1", port: upstreamPort), format: format, capturing: capturing)
    }

    /// Starts a proxy to `upstream` (or by `routes`) logging in `format`, terminating TLS on the client leg with
    /// `tls` when given (required of clients unless not `requiresClientTLS`; a client certificate required when
    /// `requiresClientCertificate`), collecting statements into `recording` when given, logging the upstream
    /// leg's TLS secrets to `upstreamKeyLogFile` and relaying at most `maximumConnections` sessions at once.
    static func start(
        upstream: UpstreamServer?, routes: [UpstreamRoute] = [], format: TrafficLogFormat, capturing: Bool = false,
        tls: PostgresServerConnectionConfiguration.TLS? = nil, requiresClientTLS: Bool = true,
        requiresClientCertificate: Bool = false, recording: ScriptRecording? = nil,
        upstreamKeyLogFile: String? = nil, maximumConnections: Int = 1_000
    ) async throws -> ProxyHarness {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logFile = directory.appending(path: "traffic.log")
        let sink = try TrafficLogSink.file(atPath: logFile.path)
        let configuration = ProxyConfiguration(
            upstream: upstream, routes: routes, format: format, upstreamKeyLogFile: upstreamKeyLogFile,
            requiresClientTLS: requiresClientTLS, requiresClientCertificate: requiresClientCertificate)
        let captureFile = capturing ? directory.appending(path: "traffic.pcapng") : nil
        let capture = try captureFile.map { try TrafficLogSink.capture(atPath: $0.path) }
        let proxy = try await PostgresProxy.start(
            host: "127.0.0.1", port: 0, configuration: configuration, sink: sink, capture: capture, tls: tls,
            maximumConnections: maximumConnections, recording: recording)
        return ProxyHarness(
            proxy: proxy, port: proxy.localAddress?.port ?? 0, logFile: logFile, captureFile: captureFile)
    }

    /// Starts a proxy to `127.0.0.1:upstreamPort` logging in `format` and collecting statements into a recording
    /// whose script goes to `session.yaml` in a fresh `directory` (the caller removes it).
    static func startRecording(
        upstreamPort: Int, format: TrafficLogFormat
    ) async throws -> (harness: ProxyHarness, recording: ScriptRecording, scriptFile: URL, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptFile = directory.appending(path: "session.yaml")
        let recording = ScriptRecording(path: scriptFile.path)
        let harness = try await start(
            upstream: UpstreamServer(host: "127.0.0.1", port: upstreamPort), format: format, recording: recording)
        return (harness, recording, scriptFile, directory)
    }

    /// Shuts the proxy down (flushing the log) and returns the log's lines.
    func stop() async throws -> [String] {
        // Let sessions whose clients have just left end on their own before the shutdown closes the rest (up to 10 s:
        // a saturated CI machine can take seconds; an idle one takes milliseconds, and the loop ends as soon as they
        // have).
        for _ in 0..<500 where proxy.relayedConnectionCount > 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        await proxy.shutdown(timeout: .seconds(2))
        let text = try String(contentsOf: logFile, encoding: .utf8)
        if captureFile == nil { try? FileManager.default.removeItem(at: logFile.deletingLastPathComponent()) }
        return text.split(separator: "\n").map(String.init)
    }

    /// The message types tshark's pgsql dissector sees in the capture (after ``stop()``), per TCP stream, in its own
    /// names ("Simple query", "Row description", "Cancel request").
    func capturedMessageTypes(serverPort: Int) async throws -> [String: [String]] {
        guard let captureFile else { throw CocoaError(.fileNoSuchFile) }
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("tshark"),
            [
                "-r", captureFile.path, "-d", "tcp.port==\(serverPort),pgsql", "-Y", "pgsql", "-T", "fields",
                "-e", "tcp.stream", "-e", "pgsql.type", "-E", "occurrence=a", "-E", "aggregator=|",
            ],
            environment: ProcessInfo.processInfo.environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
        ).runExpectingSuccess("tshark -r \(captureFile.path)")
        var types: [String: [String]] = [:]
        for packet in outcome.standardOutput.split(separator: "\n") {
            let fields = packet.split(separator: "\t")
            let stream = String(fields[0])
            types[stream, default: []] += fields.count > 1 ? fields[1].split(separator: "|").map(String.init) : []
        }
        return types
    }

    /// Deletes the log and capture files (after ``stop()``).
    func removeFiles() {
        try? FileManager.default.removeItem(at: logFile.deletingLastPathComponent())
    }

    /// Runs psql against `127.0.0.1:port` as `role` with `password`, feeding `script` on standard input.
    static func psql(
        port: Int, role: String, password: String, script: String, server: PostgresServerFixture
    ) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGPASSFILE"] = "/dev/null"
        // A saturated CI machine (every suite at once) has taken over 20 s to open a proxied session.
        environment["PGCONNECT_TIMEOUT"] = "60"
        environment["PGSSLMODE"] = "prefer"
        return try await SubprocessCommand(
            try server.installation.executable("psql"),
            [
                "-X", "-w", "-h", "127.0.0.1", "-p", String(port), "-U", role, "-d", "postgres", "-v",
                "VERBOSITY=verbose",
            ],
            environment: environment,
            standardInput: Data(script.utf8),
            timeout: .seconds(120)
        ).run()
    }
}
