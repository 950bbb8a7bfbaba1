import PostgresTLS

extension TLSSessionInfo {
    /// The facts of a completed handshake.
    init(_ info: TLSConnectionInfo) {
        self.init(
            serverName: info.serverName,
            protocolVersion: info.protocolVersion,
            cipher: info.cipher,
            alpnProtocol: info.alpnProtocol,
            clientCertificate: info.peerCertificate.map {
                ClientCertificate(commonName: $0.commonName, subject: $0.subject, issuer: $0.issuer)
            },
            tlsServerEndPoint: info.tlsServerEndPoint ?? []
        )
    }
}
