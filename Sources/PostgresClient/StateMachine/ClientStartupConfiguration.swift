import PostgresWire

/// What ``ClientConnectionStateMachine`` needs for one attempt: how to secure the connection, what to send at
/// startup and how to authenticate.
struct ClientStartupConfiguration: Sendable {
    /// Whether to send GSSENCRequest first.
    var requestsGSSEncryption = false
    /// How TLS starts.
    var tlsStart = TLSStart.none
    /// The startup parameters, `user` first.
    var parameters: [StartupMessage.Parameter]
    /// The password, when there is one.
    var password: String?
    /// Where the password came from, when from a password file.
    var passwordFile: String?
    /// `channel_binding`.
    var channelBinding = ChannelBindingMode.prefer
    /// `require_auth`.
    var requiredAuthentication = AuthenticationRequirement.any
    /// `min_protocol_version`.
    var minimumProtocolVersion = ProtocolVersion.v3_0
    /// `max_protocol_version`: the version requested.
    var maximumProtocolVersion = ProtocolVersion.v3_0
    /// `target_session_attrs`.
    var targetSessionAttributes = TargetSessionAttributes.any

    /// The role named in the startup parameters.
    var user: String { parameters.first { $0.name == "user" }?.value ?? "" }
}
