import Foundation
import PostgresTestSupport

/// A `pgw proxy` process listening on a free port, for tests of the command line: options, signals, exit status.
final class ProxyProcess: Sendable {
    private let process: Process
    /// The port it listens on, from its "listening on" line.
    let port: Int

    /// Starts `pgw proxy --listen 127.0.0.1:0` with `arguments` and waits for its "listening on" line; its standard
    /// error goes to `standardError` when given (this process's own write end is closed, so reading ends with it).
    init(_ arguments: [String], standardError: Pipe? = nil) async throws {
        let (process, port) = try await ListeningProcess.start(
            try PGWExecutable.url(), ["proxy", "--listen", "127.0.0.1:0"] + arguments, standardError: standardError)
        try standardError?.fileHandleForWriting.close()
        self.process = process
        self.port = port
    }

    /// Sends SIGTERM and waits up to `seconds` for the exit; returns the exit status, or `nil` if still running.
    func terminate(waitingSeconds seconds: Double) async throws -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends SIGKILL (a test that found it still running); its standard error then ends.
    func forceStop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
