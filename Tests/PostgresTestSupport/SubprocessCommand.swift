import Foundation

/// A program to run as a subprocess with a time limit, capturing what it prints.
public struct SubprocessCommand: Sendable {
    /// The program to run.
    public var executable: URL
    /// The arguments after the program's name.
    public var arguments: [String]
    /// The complete environment of the subprocess; `nil` inherits this process's environment.
    public var environment: [String: String]?
    /// The directory the subprocess starts in; `nil` keeps this process's.
    public var workingDirectory: URL?
    /// What the subprocess reads on standard input; `nil` connects it to /dev/null.
    public var standardInput: Data?
    /// How long the subprocess may run before it is sent SIGTERM (and SIGKILL shortly after).
    public var timeout: Duration

    /// A command running `executable` with `arguments`, and the given environment, directory, input and time limit.
    public init(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: URL? = nil,
        standardInput: Data? = nil,
        timeout: Duration = .seconds(60)
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
        self.timeout = timeout
    }

    /// This command run as the `postgres` system user when the current process is root,
    /// because PostgreSQL's server programs refuse to run as root.
    public func asPostgresUserIfRoot() throws -> SubprocessCommand {
        guard geteuid() == 0 else { return self }
        var command = self
        command.executable = try PostgresInstallation.executableOnPath("runuser")
        command.arguments = ["-u", "postgres", "--", executable.path] + arguments
        return command
    }

    /// The program and its arguments separated by spaces, for messages.
    public var commandLine: String {
        ([executable.path] + arguments).joined(separator: " ")
    }

    /// Runs the command to completion (or until its time limit) and reports how it ended.
    public func run() async throws -> ProcessOutcome {
        let outputDirectory = FileManager.default.temporaryDirectory
            .appending(path: "pgw-process-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputDirectory) }
        let outputURL = outputDirectory.appending(path: "stdout")
        let errorURL = outputDirectory.appending(path: "stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment {
            process.environment = environment
        }
        if let workingDirectory {
            process.currentDirectoryURL = workingDirectory
        }
        if let standardInput {
            let inputURL = outputDirectory.appending(path: "stdin")
            try standardInput.write(to: inputURL)
            process.standardInput = try FileHandle(forReadingFrom: inputURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = outputHandle
        process.standardError = errorHandle

        let (terminations, continuation) = AsyncStream<(Int32, Bool)>.makeStream()
        process.terminationHandler = { process in
            continuation.yield((process.terminationStatus, process.terminationReason == .uncaughtSignal))
            continuation.finish()
        }
        do {
            try process.run()
        } catch {
            throw TestSupportError.missingPrerequisite("could not launch \(executable.path): \(error)")
        }

        let processID = process.processIdentifier
        let timeout = timeout
        let watchdog = Task<Bool, Never> {
            do { try await Task.sleep(for: timeout) } catch { return false }
            kill(processID, SIGTERM)
            do { try await Task.sleep(for: .seconds(3)) } catch { return true }
            kill(processID, SIGKILL)
            return true
        }
        var termination: (status: Int32, bySignal: Bool) = (-1, true)
        for await ending in terminations {
            termination = ending
        }
        watchdog.cancel()
        let timedOut = await watchdog.value

        return ProcessOutcome(
            commandLine: commandLine,
            status: termination.status,
            terminatedBySignal: termination.bySignal,
            timedOut: timedOut,
            standardOutput: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }

    /// Runs the command and throws unless it exits with status 0.
    @discardableResult
    public func runExpectingSuccess(_ what: String) async throws -> ProcessOutcome {
        let outcome = try await run()
        guard outcome.succeeded else {
            throw TestSupportError.commandFailed(what, outcome)
        }
        return outcome
    }
}
