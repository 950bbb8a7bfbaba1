/// A certificate chain and the private key of its leaf: what a server, or a client authenticating
/// with a certificate, presents.
public struct TLSIdentity: Sendable {
    /// The chain to send, leaf first, then any intermediates.
    public var certificateChain: [TLSCertificate]
    /// The leaf certificate's private key.
    public var privateKey: TLSPrivateKey

    /// Pairs a chain with its key, checking that the key belongs to the leaf.
    public init(certificateChain: [TLSCertificate], privateKey: TLSPrivateKey) throws(TLSError) {
        guard let leaf = certificateChain.first else {
            throw .configurationFailed(
                OpenSSLError(operation: "pairing a key with its certificate", reasons: ["empty certificate chain"]))
        }
        try leaf.checkPrivateKey(privateKey)
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// Loads a PEM chain file and a PEM key file, decrypting the key with `passphrase` if it is encrypted.
    public init(certificateChainFile: String, privateKeyFile: String, passphrase: String? = nil) throws(TLSError) {
        try self.init(
            certificateChain: TLSCertificate.chain(pemFile: certificateChainFile),
            privateKey: TLSPrivateKey(pemFile: privateKeyFile, passphrase: passphrase))
    }

    /// Loads a PEM chain and a PEM key from bytes, decrypting the key with `passphrase` if it is encrypted.
    public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], passphrase: String? = nil) throws(TLSError) {
        try self.init(
            certificateChain: TLSCertificate.chain(pemBytes: certificateChainPEM),
            privateKey: TLSPrivateKey(pemBytes: privateKeyPEM, passphrase: passphrase))
    }
}
