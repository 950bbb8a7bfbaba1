import PostgresWire

/// What the client said about itself in its StartupMessage.
public struct ClientInfo: Sendable, Hashable {
    /// The protocol version the client asked for.
    public var requestedProtocolVersion: ProtocolVersion
    /// The protocol version in use after negotiation (3.0 or 3.2).
    public var protocolVersion: ProtocolVersion
    /// All startup parameters in wire order.
    public var parameters: [StartupMessage.Parameter]

    /// Startup information with these values.
    public init(
        requestedProtocolVersion: ProtocolVersion, protocolVersion: ProtocolVersion,
        parameters: [StartupMessage.Parameter]
    ) {
        self.requestedProtocolVersion = requestedProtocolVersion
        self.protocolVersion = protocolVersion
        self.parameters = parameters
    }

    /// The value of the first startup parameter called `name`.
    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// The `user` parameter.
    public var user: String { self["user"] ?? "" }
    /// The `database` parameter; PostgreSQL defaults it to the user name.
    public var database: String { self["database"] ?? user }
    /// The `application_name` parameter.
    public var applicationName: String? { self["application_name"] }
}
