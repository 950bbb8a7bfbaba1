import PostgresTLS
import PostgresWire

/// What the server told a client while it connected, up to the first ReadyForQuery.
public struct ServerSession: Sendable, Hashable {
    /// The ParameterStatus values, by name (`server_version`, `TimeZone`, …), latest value kept.
    public var parameters: [String: String] = [:]
    /// BackendKeyData: the key that cancels this session's queries; `nil` if the server sent none.
    public var backendKey: BackendKeyData?
    /// The protocol version in use: the one requested, or the server's newest after NegotiateProtocolVersion.
    public var protocolVersion: ProtocolVersion
    /// The TLS connection's facts, `nil` in plaintext.
    public var tlsInfo: TLSConnectionInfo?
    /// The NoticeResponses received while connecting.
    public var notices: [DiagnosticMessage] = []
    /// The transaction status of the first ReadyForQuery.
    public var transactionStatus: TransactionStatus = .idle
    /// The SASL mechanism or password method the server asked for; `nil` for none (trust, certificate).
    public var authenticationMethod: AuthenticationMethod?
    /// The SASL mechanism the client chose from the server's offer, as sent in SASLInitialResponse
    /// (`SCRAM-SHA-256` or `SCRAM-SHA-256-PLUS`); `nil` without SASL.
    public var saslMechanism: String?
    /// Whether SCRAM-SHA-256-PLUS bound the authentication to the TLS channel.
    public var isChannelBound = false

    /// The authentication as it happened, in lowercase: the password method (`md5`, `password`), the SASL
    /// mechanism (`scram-sha-256`, `scram-sha-256-plus` with channel binding); `nil` for none.
    public var authenticationName: String? {
        saslMechanism?.lowercased() ?? authenticationMethod?.rawValue
    }
}
