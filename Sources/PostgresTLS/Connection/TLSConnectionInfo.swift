/// What a TLS handshake settled, for logging, authentication and channel binding: plain values, so code that
/// reads them (such as the gateway's connection state machine) can be tested with facts made up in the test.
public struct TLSConnectionInfo: Sendable, Hashable {
    /// The server name the client sent (SNI), on either side; `nil` when it sent none.
    public var serverName: String?
    /// The protocol version, for example `TLSv1.3`.
    public var protocolVersion: String
    /// The cipher suite, for example `TLS_AES_256_GCM_SHA384`.
    public var cipher: String
    /// The ALPN protocol agreed on, for example `postgresql`; `nil` when none was.
    public var alpnProtocol: String?
    /// The peer's certificate: the server's on a client; on a server, the client's when it sent one, which has
    /// then verified (a server asks for client certificates only to verify them, and a failure ends the handshake).
    public var peerCertificate: TLSCertificateInfo?
    /// The chain the peer sent, leaf first.
    public var peerCertificateChain: [TLSCertificateInfo]
    /// The `tls-server-end-point` channel binding (RFC 5929) of the server's certificate, for
    /// SCRAM-SHA-256-PLUS; `nil` when the certificate's signature names no digest.
    public var tlsServerEndPoint: [UInt8]?

    /// Creates connection facts; the handler fills these in after each handshake, and tests may make their own.
    public init(
        serverName: String?,
        protocolVersion: String,
        cipher: String,
        alpnProtocol: String?,
        peerCertificate: TLSCertificateInfo?,
        peerCertificateChain: [TLSCertificateInfo],
        tlsServerEndPoint: [UInt8]?
    ) {
        self.serverName = serverName
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.alpnProtocol = alpnProtocol
        self.peerCertificate = peerCertificate
        self.peerCertificateChain = peerCertificateChain
        self.tlsServerEndPoint = tlsServerEndPoint
    }
}
