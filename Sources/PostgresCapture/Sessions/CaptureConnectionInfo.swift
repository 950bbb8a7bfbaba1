/// Which connection of a capture something belongs to: its number (1 for the first seen) and its two ends.
public struct CaptureConnectionInfo: Sendable, Hashable, CustomStringConvertible {
    /// The connection's number, in the order connections first appear in the capture, from 1.
    public var id: Int
    /// The client's end (the side that sent the startup packet, or connected to the PostgreSQL port).
    public var client: Endpoint
    /// The server's end.
    public var server: Endpoint

    /// Creates a description of a connection.
    public init(id: Int, client: Endpoint, server: Endpoint) {
        self.id = id
        self.client = client
        self.server = server
    }

    /// `#1 127.0.0.1:50312 -> 127.0.0.1:5432`.
    public var description: String { "#\(id) \(client) -> \(server)" }
}
