import COpenSSL

/// A compiled ``TLSServerConfiguration`` (an OpenSSL `SSL_CTX`), shared by any number of connections on any thread.
public final class TLSServerContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSServerConfiguration
    /// The OpenSSL context server connections start from.
    let openSSL: OpenSSLContext

    /// Loads the certificates and keys of `configuration` into a new OpenSSL context.
    public init(configuration: TLSServerConfiguration) throws(TLSError) {
        let openSSL = try OpenSSLContext(
            role: .server, minimumVersion: configuration.minimumProtocolVersion,
            applicationProtocols: configuration.applicationProtocols, keyLog: configuration.keyLog)
        try openSSL.use(configuration.identity)
        switch configuration.clientCertificateVerification {
        case .none:
            break
        case .optional(let roots):
            try openSSL.verifyPeers(against: roots, mode: SSL_VERIFY_PEER, role: .server)
        case .required(let roots):
            try openSSL.verifyPeers(
                against: roots, mode: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, role: .server)
        }
        self.configuration = configuration
        self.openSSL = openSSL
    }
}
