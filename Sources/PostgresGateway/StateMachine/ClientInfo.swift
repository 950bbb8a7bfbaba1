import PostgresWire

/// What the client said about itself in its StartupMessage.
public struct ClientInfo: Sendable, Hashable {
    /// The protocol version the client asked for.
    public var requestedProtocolVersion: ProtocolVersion
    /// The protocol version in use after negotiation (3.0 or 3.2).
    public var protocolVersion: ProtocolVersion
    /// The startup parameters in wire order, each once (a repeated one with its last value), without the
    /// `_pq_.` protocol options.
    public var parameters: [StartupMessage.Parameter]
    /// The startup parameters exactly as the client sent them: repeats and `_pq_.` protocol options included
    /// (what a proxy replays upstream).
    public var sentParameters: [StartupMessage.Parameter]

    /// Startup information with these values; `sentParameters` defaults to `parameters`.
    public init(
        requestedProtocolVersion: ProtocolVersion, protocolVersion: ProtocolVersion,
        parameters: [StartupMessage.Parameter], sentParameters: [StartupMessage.Parameter]? = nil
    ) {
        self.requestedProtocolVersion = requestedProtocolVersion
        self.protocolVersion = protocolVersion
        self.parameters = parameters
        self.sentParameters = sentParameters ?? parameters
    }

    /// The `_pq_.` protocol options the client asked for, by name, in wire order.
    public var protocolOptions: [String] {
        sentParameters.map(\.name).filter { $0.hasPrefix("_pq_.") }
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
