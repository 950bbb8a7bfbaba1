import Foundation
import PostgresTestSupport

/// `pgw serve --port 0` running as a subprocess for the length of ``withRunning(_:_:)``.
final class CertsServeProcess: Sendable {
    /// The port it printed in `listening on HOST:PORT`.
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Runs `body` with the port of a `pgw serve --port 0 ARGUMENTS...`, stopping the server afterwards.
    static func withRunning<Result: Sendable>(
        _ arguments: [String], _ body: (_ port: Int) async throws -> Result
    ) async throws -> Result {
        let server = try await start(arguments)
        do {
            let result = try await body(server.port)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Starts `pgw serve --port 0` with `arguments` and waits for its `listening on` line.
    private static func start(_ arguments: [String]) async throws -> CertsServeProcess {
        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["serve", "--port", "0"] + arguments
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try await offPool { try ListeningProcess.firstLine(of: output.fileHandleForReading) }
        guard
            let port = line.split(separator: ":").last.flatMap({
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }),
            line.hasPrefix("listening on ")
        else {
            process.terminate()
            throw TestSupportError.unexpected("pgw serve printed '\(line)' instead of 'listening on HOST:PORT'")
        }
        return CertsServeProcess(port: port, process: process)
    }

    /// Sends SIGTERM and waits for the server to exit.
    private func stop() async {
        process.terminate()
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
