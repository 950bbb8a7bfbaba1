import PostgresWire

/// What the connection delivers to the REPL.
public enum REPLEvent: Sendable {
    /// A complete message from the peer, with its bytes.
    case message(DecodedMessage)
    /// The peer's bytes could not be decoded, or the connection failed; nothing more is read.
    case failure(String)
    /// The connection closed.
    case closed
}
