import PostgresWire

/// What the connection delivers to the REPL.
public enum REPLEvent: Sendable {
    /// A complete message from the peer, with its bytes.
    case message(DecodedMessage)
    /// A message pgw handled on its own, with its bytes: `\auto-startup`'s answers and the client's packets it
    /// answered (not for `\expect`; a packet that arrived as a ``message(_:)`` before is withdrawn from it).
    case automatic(DecodedMessage)
    /// A client connected (server mode); its address.
    case accepted(String)
    /// Something that happened on the connection, such as the start of a TLS handshake.
    case note(String)
    /// The peer's bytes could not be decoded, or the connection failed; nothing more is read.
    case failure(String)
    /// The connection closed.
    case closed
}

extension AsyncStream<REPLEvent>.Continuation {
    /// Reports a connection's end: the bytes of a message it cut short, if any, then ``REPLEvent/closed``; finishes.
    func finishConnection(undecodedBytes: Int) {
        if undecodedBytes > 0 {
            yield(.failure("the connection closed inside a message (\(undecodedBytes) bytes left)"))
        }
        yield(.closed)
        finish()
    }
}
