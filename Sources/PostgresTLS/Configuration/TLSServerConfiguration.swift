/// How a server terminates TLS: its certificate, client-certificate policy, versions and ALPN.
public struct TLSServerConfiguration: Sendable {
    /// The certificate chain and key presented to clients.
    public var identity: TLSIdentity
    /// Whether clients must, may or need not present a certificate, and which authorities it must chain to.
    public var clientCertificateVerification: TLSClientCertificateVerification
    /// The lowest TLS version accepted (TLS 1.2 by default, as PostgreSQL).
    public var minimumProtocolVersion: TLSProtocolVersion
    /// ALPN protocols accepted, in preference order. A client offering ALPN without any of them is refused,
    /// as PostgreSQL 17 does; `postgresql` is what `sslnegotiation=direct` clients offer.
    public var applicationProtocols: [String]
    /// Where to log TLS secrets for Wireshark; `nil` (the default) logs nothing.
    public var keyLog: TLSKeyLog?

    /// A configuration presenting `identity`, with PostgreSQL's defaults for everything else.
    public init(
        identity: TLSIdentity,
        clientCertificateVerification: TLSClientCertificateVerification = .none,
        minimumProtocolVersion: TLSProtocolVersion = .tls1_2,
        applicationProtocols: [String] = ["postgresql"],
        keyLog: TLSKeyLog? = nil
    ) {
        self.identity = identity
        self.clientCertificateVerification = clientCertificateVerification
        self.minimumProtocolVersion = minimumProtocolVersion
        self.applicationProtocols = applicationProtocols
        self.keyLog = keyLog
    }
}
