import ArgumentParser
import PostgresProxy

/// `--record-match exact|fingerprint`.
extension RecordedMatching: ExpressibleByArgument {}
