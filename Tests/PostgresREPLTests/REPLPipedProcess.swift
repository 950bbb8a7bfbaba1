import Foundation
import PostgresTestSupport

/// `pgw repl` with its standard input and output on pipes, driven line by line as a program driving psql would:
/// write a line, read until its answer shows, write the next.
///
/// A read that does not find what it waits for within the time limit ends pgw (so the read returns what came and the
/// test fails on it) rather than hanging the suite.
final class REPLPipedProcess: Sendable {
    private let process: Process
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()

    /// Starts `pgw repl` with `arguments` in `environment` (`nil`: this process's).
    init(_ arguments: [String], environment: [String: String]? = nil) throws {
        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["repl"] + arguments
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        self.process = process
    }

    deinit { if process.isRunning { process.terminate() } }

    /// Writes `line` and a line feed to pgw's standard input.
    func write(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// What pgw prints from now up to and including the first `marker`, or (after `seconds`, when pgw is ended)
    /// everything until its output closed.
    func read(until marker: String, seconds: Int = 20) async throws -> String {
        let reader = output.fileHandleForReading
        return try await endingAfter(seconds: seconds) {
            var text = Data()
            let wanted = Data(marker.utf8)
            while text.range(of: wanted) == nil, let byte = try reader.read(upToCount: 1), !byte.isEmpty {
                text.append(byte)
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// Closes pgw's standard input, waits (up to `seconds`, then ends it) for it to exit and returns the exit status,
    /// the rest of its standard output and its standard error.
    func finish(seconds: Int = 30) async throws -> (status: Int32, output: String, errors: String) {
        try input.fileHandleForWriting.close()
        let (process, output, errors) = (process, output, errors)
        return try await endingAfter(seconds: seconds) {
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                process.terminationStatus, String(decoding: printed, as: UTF8.self),
                String(decoding: errorText, as: UTF8.self)
            )
        }
    }

    /// Runs the blocking `body` off the cooperative pool, ending pgw if it still runs after `seconds`.
    private func endingAfter<Value: Sendable>(
        seconds: Int, _ body: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        let process = process
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds), execute: timer)
        defer { timer.cancel() }
        return try await offPool(body)
    }
}
