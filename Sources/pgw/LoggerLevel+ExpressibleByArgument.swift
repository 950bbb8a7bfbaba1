import ArgumentParser
import Logging

/// `--log-level` takes swift-log's level names.
extension Logger.Level: @retroactive ExpressibleByArgument {}
