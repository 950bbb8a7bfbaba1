/// libpq's TCP options: keepalives and the user timeout. `nil` leaves the system's setting.
public struct TCPSettings: Sendable, Hashable {
    /// `keepalives`: whether TCP keepalives are on (libpq's default).
    public var keepalives: Bool
    /// `keepalives_idle`: seconds of silence before the first probe.
    public var keepalivesIdle: Int?
    /// `keepalives_interval`: seconds between probes.
    public var keepalivesInterval: Int?
    /// `keepalives_count`: probes lost before the connection is dead.
    public var keepalivesCount: Int?
    /// `tcp_user_timeout`: milliseconds transmitted data may stay unacknowledged.
    public var userTimeout: Int?

    /// Settings with these values.
    public init(
        keepalives: Bool = true, keepalivesIdle: Int? = nil, keepalivesInterval: Int? = nil,
        keepalivesCount: Int? = nil, userTimeout: Int? = nil
    ) {
        self.keepalives = keepalives
        self.keepalivesIdle = keepalivesIdle
        self.keepalivesInterval = keepalivesInterval
        self.keepalivesCount = keepalivesCount
        self.userTimeout = userTimeout
    }
}
