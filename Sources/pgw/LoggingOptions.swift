import ArgumentParser
import Logging

/// `--log-level` and `--quiet`, for the long-running subcommands; the log goes to standard error.
struct LoggingOptions: ParsableArguments {
    /// swift-log's levels, by their names.
    enum Level: String, ExpressibleByArgument, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        /// The swift-log level of the same name.
        var loggerLevel: Logger.Level { Logger.Level(rawValue: rawValue)! }
    }

    @Option(help: "What to log to standard error.")
    var logLevel = Level.info

    @Flag(name: .shortAndLong, help: "Log errors only (overrides --log-level).")
    var quiet = false

    /// A logger to standard error at the chosen level, one line per event (``OneLineLogHandler``).
    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label, factory: { label in OneLineLogHandler(label: label) })
        logger.logLevel = quiet ? .error : logLevel.loggerLevel
        return logger
    }
}
