import COpenSSL

/// A compiled ``TLSClientConfiguration`` (an OpenSSL `SSL_CTX`), shared by any number of connections on any thread.
public final class TLSClientContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSClientConfiguration
    /// The OpenSSL context client connections start from.
    let openSSL: OpenSSLContext

    /// Loads the trust roots and any client identity of `configuration` into a new OpenSSL context.
    public init(configuration: TLSClientConfiguration) throws(TLSError) {
        let openSSL = try OpenSSLContext(
            role: .client, minimumVersion: configuration.minimumProtocolVersion,
            applicationProtocols: configuration.applicationProtocols, keyLog: configuration.keyLog)
        if configuration.mode.verifiesCertificate {
            try openSSL.verifyPeers(against: configuration.trustRoots, mode: SSL_VERIFY_PEER, role: .client)
        }
        if let identity = configuration.identity {
            try openSSL.use(identity)
        }
        self.configuration = configuration
        self.openSSL = openSSL
    }
}
