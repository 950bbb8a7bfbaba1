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
    init(_ arguments: [String], capturingStandardError: Bool = false) throws {
        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["serve", "--port", "0", "--log-level", "warning"] + arguments
        let output = Pipe()
        process.standardOutput = output
        let errorOutput = capturingStandardError ? Pipe() : nil
        process.standardError = errorOutput ?? FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")), let byte = try output.fileHandleForReading.read(upToCount: 1),
            !byte.isEmpty
        {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on "),
            let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        else {
            process.terminate()
            throw TestFailure("pgw serve did not print its address: \(text)")
        }
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
