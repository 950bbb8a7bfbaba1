import PostgresTLS
import PostgresWire

/// A snapshot of a connection's progress, passed to hooks and available from the connection.
public struct ConnectionState: Sendable, Hashable {
    /// Whether the client's StartupMessage has arrived.
    public var hasStarted = false
    /// Whether the client has authenticated.
    public var isAuthenticated = false
    /// The client's startup information, once it has started.
    public var clientInfo: ClientInfo?
    /// The TLS session, once TLS is established; its `peerCertificate` is the client's verified certificate.
    public var tlsInfo: TLSConnectionInfo?
    /// The process ID and secret key handed to the client for cancelling, once authenticated.
    public var backendKeyData: BackendKeyData?

    /// The state of a connection just accepted: nothing has happened yet.
    public init() {}
}
