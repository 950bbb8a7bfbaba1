import Foundation
import PostgresTestSupport

/// A `pgw serve` process on a free port, for tests that need its own memory, signals and exit status.
final class ServeProcess: Sendable {
    let process: Process
    let port: Int
    /// Standard error, when captured.
    private let errorOutput: Pipe?

    /// Starts `pgw serve --port 0` with `arguments` and waits for its "listening on" line; with
    /// `capturingStandardError`, its standard error is kept for ``standardErrorAfterExit()``.
    init(_ arguments: [String], capturingStandardError: Bool = false) async throws {
        let errorOutput = capturingStandardError ? Pipe() : nil
        let (process, port) = try await ListeningProcess.start(
            try PGWExecutable.url(), ["serve", "--port", "0", "--log-level", "warning"] + arguments,
            standardError: errorOutput)
        self.process = process
        self.port = port
        self.errorOutput = errorOutput
    }

    /// Everything the process wrote to standard error (when captured), once it has exited.
    func standardErrorAfterExit() throws -> String {
        guard let errorOutput else { return "" }
        return String(decoding: try errorOutput.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// The process ID.
    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits up to `seconds` for the process to exit; returns whether it did.
    func waitForExit(seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
