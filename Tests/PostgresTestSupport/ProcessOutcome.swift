/// How a finished subprocess ended, with everything it printed.
public struct ProcessOutcome: Sendable, CustomStringConvertible {
    /// The command line, for messages.
    public var commandLine: String
    /// The exit status, or the signal number when `terminatedBySignal` is true.
    public var status: Int32
    /// Whether the process was ended by a signal rather than exiting.
    public var terminatedBySignal: Bool
    /// Whether the process was killed for running past its time limit.
    public var timedOut: Bool
    /// Everything the process wrote to standard output.
    public var standardOutput: String
    /// Everything the process wrote to standard error.
    public var standardError: String

    /// An outcome with the given command line, ending and output.
    public init(
        commandLine: String,
        status: Int32,
        terminatedBySignal: Bool,
        timedOut: Bool,
        standardOutput: String,
        standardError: String
    ) {
        self.commandLine = commandLine
        self.status = status
        self.terminatedBySignal = terminatedBySignal
        self.timedOut = timedOut
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Whether the process exited by itself with status 0.
    public var succeeded: Bool { !terminatedBySignal && !timedOut && status == 0 }

    /// How the process ended, then the last 4000 characters of each output stream.
    public var description: String {
        let ending =
            timedOut
            ? "timed out and was killed"
            : terminatedBySignal ? "was killed by signal \(status)" : "exited with status \(status)"
        return """
            `\(commandLine)` \(ending)
            --- stdout ---
            \(Self.tail(standardOutput))
            --- stderr ---
            \(Self.tail(standardError))
            """
    }

    private static func tail(_ text: String, limit: Int = 4000) -> String {
        text.count <= limit ? text : "…" + text.suffix(limit)
    }
}
