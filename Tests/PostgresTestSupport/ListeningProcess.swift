import Foundation

/// A server program that announces itself with a first line "listening on HOST:PORT" (`pgw serve`, `pgw proxy`,
/// the examples).
public enum ListeningProcess {
    /// Starts `executable` with `arguments` (no standard input; standard error to `standardError`, inherited by
    /// default) and waits for its "listening on" line (off the cooperative pool); returns the running process and
    /// the port it printed.
    public static func start(
        _ executable: URL, _ arguments: [String], standardError: Pipe? = nil
    ) async throws -> (process: Process, port: Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = standardError ?? FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = try await offPool { try firstLine(of: output.fileHandleForReading) }
        guard text.hasPrefix("listening on "),
            let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        else {
            process.terminate()
            throw TestSupportError.setupFailed(
                "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not print "
                    + "'listening on HOST:PORT' (got \(String(reflecting: text)))")
        }
        return (process, port)
    }

    /// The first line `file` gives (with its line feed), or what came before the end of the file; blocks.
    public static func firstLine(of file: FileHandle) throws -> String {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")), let byte = try file.read(upToCount: 1), !byte.isEmpty {
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }
}
