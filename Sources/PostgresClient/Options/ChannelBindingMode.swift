/// libpq's `channel_binding`: whether SCRAM binds the authentication to the TLS channel.
public enum ChannelBindingMode: String, Sendable, Hashable, CaseIterable {
    /// Never use SCRAM-SHA-256-PLUS.
    case disable
    /// Use SCRAM-SHA-256-PLUS when TLS is in use and the server offers it (libpq's default).
    case prefer
    /// Fail unless the server authenticates with SCRAM-SHA-256-PLUS.
    case require
}
