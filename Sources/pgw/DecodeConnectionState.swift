import PostgresCapture
import PostgresWire

/// What ``DecodePrinter`` keeps about one connection of a capture (or the raw streams): its statements, with
/// `--summary` its totals, and its JSON endpoint members. One value per connection, so that a message reaches all of
/// it with one access to the printer's table (each access to a class's property is checked at run time).
struct DecodeConnectionState {
    /// Its round trips and statements.
    var tracker = DecodeStatementTracker()
    /// Its totals, with `--summary`, from its first message or frame on.
    var summary: DecodeConnectionSummary?
    /// The connection, with `--summary`, from its first message or frame on (`nil` for raw streams).
    var connection: CaptureConnectionInfo?
    /// The `client` and `server` JSON members of its lines, rendered for its first line.
    var endpointMembers: JSONLineMembers?

    /// Starts the totals of `connection` (`nil` for raw streams), unless started.
    mutating func startSummary(of connection: CaptureConnectionInfo?) {
        guard summary == nil else { return }
        self.connection = connection
        summary = DecodeConnectionSummary()
    }

    /// With `--summary`: follows and counts `message` of `connection` seen at `time`; returns the round trip it
    /// completed, if any.
    mutating func summarize(
        _ message: DecodedMessage, of connection: CaptureConnectionInfo?, at time: CaptureTimestamp?
    ) -> DecodeRoundTrip? {
        startSummary(of: connection)
        let roundTrip = tracker.observe(message.message, at: time)
        summary!.add(message)
        if let roundTrip { summary!.add(roundTrip) }
        return roundTrip
    }
}
