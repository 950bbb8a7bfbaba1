import ArgumentParser
import NIOCore

/// The session limits of the subcommands that accept clients (`serve`, `proxy`): how many sessions at once and how
/// long clients get to take their FATAL 57P01 at shutdown.
struct SessionLimitOptions: ParsableArguments {
    // Unconditional: `-1` is the option's value (refused by validate() in words), not a flag that leaves it missing.
    @Option(
        parsing: .unconditional,
        help: "The most sessions at once (PostgreSQL's max_connections); more clients get FATAL 53300.")
    var maxConnections = 1_000

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Seconds clients get to take their FATAL 57P01 at shutdown.", valueName: "seconds"))
    var shutdownTimeout = 5

    /// `--shutdown-timeout` as a NIO time amount.
    var shutdownTimeAmount: TimeAmount { .seconds(Int64(shutdownTimeout)) }

    func validate() throws {
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections takes a number from 1 to 1000000, got \(maxConnections).")
        }
        guard (0...3_600).contains(shutdownTimeout) else {
            throw ValidationError("--shutdown-timeout takes seconds from 0 to 3600, got \(shutdownTimeout).")
        }
    }
}
