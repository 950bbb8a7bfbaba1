/// How `pgw proxy` writes each relayed message to its traffic log.
public enum TrafficLogFormat: String, Sendable, CaseIterable {
    /// One line per message: `TIME CONN# F|B` and the decoder's one-line text form.
    case text
    /// JSON Lines: `pgw decode`'s schema 1 objects with the `connection` and `time` members.
    case json
    /// A header line and a hex dump of the message's bytes.
    case hex
    /// No traffic log: the relay only counts messages and bytes for the per-connection summary.
    case none
}
