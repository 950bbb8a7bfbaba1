import NIOCore
import PostgresWire

/// How a connection ended without a session: before its StartupMessage reached
/// ``PostgresServerConnectionHooks/onStartup`` and without a CancelRequest (given to
/// ``PostgresServerConnectionHooks/onCancelRequest``). The server refused it with a FATAL (TLS required, too many
/// clients, an invalid startup packet), its TLS handshake or socket failed, it took too long, or the client left
/// (after an SSLRequest answered `N`, say).
public struct SessionlessEnd: Sendable {
    /// Why, as the server's log says it: `FATAL 28000: …` for a refusal, the TLS or socket error, `client
    /// disconnected`.
    public var reason: String
    /// The FATAL the client was sent, when it was refused.
    public var refusal: DiagnosticMessage?
    /// Whether the client sent any bytes: a socket opened and closed without a word (a TCP health check) did not.
    public var clientSentBytes: Bool
    /// When the connection was accepted.
    public var openedAt: NIODeadline

    /// An end with these values.
    public init(reason: String, refusal: DiagnosticMessage?, clientSentBytes: Bool, openedAt: NIODeadline) {
        self.reason = reason
        self.refusal = refusal
        self.clientSentBytes = clientSentBytes
        self.openedAt = openedAt
    }
}
