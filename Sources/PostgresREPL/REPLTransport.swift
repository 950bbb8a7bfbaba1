import NIOCore
import PostgresWire

/// Where the REPL's typed messages go: a connection to a server, a client connected to `pgw repl --listen`, or (in
/// tests) a recorder.
public protocol REPLTransport: Sendable {
    /// The side whose messages are typed: frontend messages to a server, or backend messages to a client (server
    /// mode).
    var direction: MessageDirection { get }
    /// Sends `bytes` as they are; `messages` are what they hold (none for `\\hex` bytes).
    func send(_ bytes: ByteBuffer, messages: [WireMessage]) async throws
    /// Sends a CancelRequest for the session (client mode).
    func cancel() async throws
    /// Starts TLS on the connection (`\\tls`, after an SSLRequest was answered `S`).
    func startTLS() async throws
    /// Has pgw answer the client's SSLRequest, startup and authentication (trust) from now on (`\\auto-startup`,
    /// server mode); returns the offsets of the client's packets, reported as messages before, that it answers.
    func startAutomaticStartup() async throws -> [Int]
    /// Why nothing can be sent now (server mode before a client connects), so a line is refused before it is shown
    /// as sent; `nil` when sending can be tried.
    var unavailableReason: String? { get }
}

extension REPLTransport {
    /// Sending can always be tried.
    public var unavailableReason: String? { nil }
}
