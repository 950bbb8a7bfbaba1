import Foundation

/// A running child process whose standard output goes to a file, and whose peak resident memory can be read
/// from `/proc/PID/status` (`VmHWM`) while it runs: the figure of that one program, unlike `wait4`'s
/// `ru_maxrss`, which also counts the parent's memory that `posix_spawn`'s `vfork` shared before `exec`.
final class SpawnedProcess: Sendable {
    /// The child's process ID.
    let processID: pid_t
    private let outputPath: String

    /// Starts `executable` with `arguments`; standard input is /dev/null, standard error is inherited.
    init(_ executable: URL, _ arguments: [String]) throws {
        outputPath = FileManager.default.temporaryDirectory.appending(path: "pgw-spawn-\(UUID().uuidString)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var processID = pid_t()
        let result = posix_spawn(&processID, executable.path, &actions, nil, argv, environ)
        guard result == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "posix_spawn failed: \(result)"])
        }
        self.processID = processID
    }

    deinit { unlink(outputPath) }

    /// The most resident memory the program has used so far, in bytes; `nil` once it has exited.
    func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(processID)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// What it has written to standard output so far.
    func standardOutputSoFar() -> String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Waits for the exit without blocking a task thread; returns the exit status and what it wrote.
    func exit() async -> (status: Int32, standardOutput: String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.wait()) }
        }
    }

    /// Waits for the exit; returns the exit status (-1 when killed by a signal) and what it wrote to standard output.
    func wait() -> (status: Int32, standardOutput: String) {
        var waitStatus: Int32 = 0
        while waitpid(processID, &waitStatus, 0) < 0 && errno == EINTR {}
        let status = waitStatus & 0x7F == 0 ? (waitStatus >> 8) & 0xFF : -1
        return (status, standardOutputSoFar())
    }
}
