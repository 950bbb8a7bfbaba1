import NIOCore

/// Where the REPL's typed messages go: a connection to a server (or, in tests, a recorder).
public protocol REPLTransport: Sendable {
    /// Sends `bytes` as they are.
    func send(_ bytes: ByteBuffer) async throws
    /// Sends a CancelRequest for the session.
    func cancel() async throws
}

extension REPLConnection: REPLTransport {}
