/// A traffic log that cannot be opened.
public struct TrafficLogError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the system's reason.
    public var description: String
}
