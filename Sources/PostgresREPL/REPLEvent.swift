import NIOCore
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    /// Something pgw cannot go on with (the peer's bytes do not decode, TLS could not start): pgw closes the
    /// connection; nothing more is read.
    case failure(String)
    /// The connection failed under pgw (reset by the peer, closed inside a message, a TLS error), worded for the
    /// user; nothing more is read.
    case lost(String)
    /// The connection closed.
    case closed
}

extension REPLEvent {
    /// ``lost(_:)`` for `error`, caught on the connection to `peer` ("server" or "client"): a reset or a broken pipe
    /// is the peer closing the connection unexpectedly (libpq's words); another error is named with the system's
    /// reason.
    static func lost(_ error: any Error, peer: String) -> REPLEvent {
        guard let error = error as? IOError else { return .lost("the connection to the \(peer) failed: \(error)") }
        let reason = String(cString: strerror(error.errnoCode))
        if error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
            return .lost("the \(peer) closed the connection unexpectedly (\(reason))")
        }
        return .lost("the connection to the \(peer) failed: \(reason)")
    }
}

extension AsyncStream<REPLEvent>.Continuation {
    /// Reports a connection's end: the bytes of a message it cut short, if any, then ``REPLEvent/closed``; finishes.
    func finishConnection(undecodedBytes: Int) {
        if undecodedBytes > 0 {
            yield(.lost("the connection closed inside a message (\(undecodedBytes) bytes left)"))
        }
        yield(.closed)
        finish()
    }
}
