import NIOCore
import PostgresWire

/// Where the REPL's typed messages go: a connection to a server (or, in tests, a recorder).
public protocol REPLTransport: Sendable {
    /// Sends `bytes` as they are; `messages` are what they hold (none for `\\hex` bytes).
    func send(_ bytes: ByteBuffer, messages: [FrontendMessage]) async throws
    /// Sends a CancelRequest for the session.
    func cancel() async throws
    /// Starts TLS on the connection (`\\tls`, after an SSLRequest was answered `S`).
    func startTLS() async throws
}

extension REPLConnection: REPLTransport {}
