/// How a finished subprocess ended, with everything it printed.
struct ProcessOutcome: Sendable, CustomStringConvertible {
    /// The command line, for messages.
    var commandLine: String
    /// The exit status, or the signal number when `terminatedBySignal` is true.
    var status: Int32
    /// Whether the process was ended by a signal rather than exiting.
    var terminatedBySignal: Bool
    /// Whether the process was killed for running past its time limit.
    var timedOut: Bool
    var standardOutput: String
    var standardError: String

    /// Whether the process exited by itself with status 0.
    var succeeded: Bool { !terminatedBySignal && !timedOut && status == 0 }

    var description: String {
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
