/// Facts about a connection's TLS session.
public struct TLSSessionInfo: Sendable, Hashable {
    /// The server name the client asked for with SNI.
    public var serverName: String?
    /// The protocol version, such as `TLSv1.3`.
    public var protocolVersion: String
    /// The cipher suite.
    public var cipher: String
    /// The ALPN protocol agreed on, such as `postgresql`.
    public var alpnProtocol: String?
    /// The client's certificate, when it sent one that verified.
    public var clientCertificate: ClientCertificate?
    /// The `tls-server-end-point` channel binding (RFC 5929) of the server certificate, for SCRAM-SHA-256-PLUS.
    public var tlsServerEndPoint: [UInt8]

    public init(
        serverName: String?,
        protocolVersion: String,
        cipher: String,
        alpnProtocol: String?,
        clientCertificate: ClientCertificate?,
        tlsServerEndPoint: [UInt8]
    ) {
        self.serverName = serverName
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.alpnProtocol = alpnProtocol
        self.clientCertificate = clientCertificate
        self.tlsServerEndPoint = tlsServerEndPoint
    }
}
