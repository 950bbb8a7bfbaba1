/// Picks the server context for one connection from the name the client asked for (SNI; `nil` when it sent none).
///
/// Called once per handshake, after the ClientHello arrives and before the server answers; it may suspend,
/// for example to load certificates. Throwing ends the handshake with an `unrecognized_name` alert.
public typealias TLSServerContextProvider = @Sendable (_ serverName: String?) async throws -> TLSServerContext
