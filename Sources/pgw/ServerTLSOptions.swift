import ArgumentParser
import PostgresGateway
import PostgresTLS

/// The TLS options of the subcommands that accept clients (`serve`, `proxy`): the certificate and key shown to
/// clients, the key's passphrase file and the CAs that client certificates must chain to.
struct ServerTLSOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The certificate chain (PEM) shown to clients; enables and requires TLS.", valueName: "file"),
        completion: .file())
    var tlsCert: String?

    @Option(help: ArgumentHelp("The private key (PEM) of --tls-cert.", valueName: "file"), completion: .file())
    var tlsKey: String?

    @Option(
        help: ArgumentHelp("A file whose first line is the private key's passphrase.", valueName: "file"),
        completion: .file())
    var tlsKeyPassphraseFile: String?

    @Option(
        help: ArgumentHelp("CA certificates (PEM) that client certificates must chain to.", valueName: "file"),
        completion: .file())
    var tlsCa: String?

    /// Whether TLS is configured (`--tls-cert` and `--tls-key`).
    var isEnabled: Bool { tlsCert != nil }

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together.")
        }
        if tlsCert == nil && (tlsCa != nil || tlsKeyPassphraseFile != nil) {
            throw ValidationError("--tls-ca and --tls-key-passphrase-file need --tls-cert and --tls-key.")
        }
    }

    /// The server-side TLS configuration, `nil` without `--tls-cert`; TLS secrets go to `keyLog` when given. A key
    /// file that is not the user's or root's, or that the group or others may access, is refused as PostgreSQL
    /// refuses it (``PrivateKeyFilePermissions/serverRefusal(path:effectiveUser:)``).
    ///
    /// With `--tls-ca`, client certificates are asked for and, when sent, must chain to its CAs (the handshake
    /// fails otherwise), as PostgreSQL does with `ssl_ca_file`: a client without one completes the handshake, so
    /// that `--auth cert` refuses it at authentication with PostgreSQL's FATAL (28000), which psql shows.
    func serverConfiguration(keyLog: TLSKeyLog? = nil) throws -> PostgresServerConnectionConfiguration.TLS? {
        guard let tlsCert, let tlsKey else { return nil }
        // As PostgreSQL, a key that others may read is refused (a missing one is reported by the loading below).
        if let permissions = PrivateKeyFilePermissions(path: tlsKey),
            let refusal = permissions.serverRefusal(path: tlsKey)
        {
            throw CommandFailure(refusal.message + (refusal.detail.map { "\nDETAIL:  " + $0 } ?? ""))
        }
        let passphrase = try tlsKeyPassphraseFile.map(PassphraseFile.read)
        let identity = try TLSIdentity(certificateChainFile: tlsCert, privateKeyFile: tlsKey, passphrase: passphrase)
        let verification = tlsCa.map { TLSClientCertificateVerification.optional(trustRoots: .pemFile($0)) } ?? .none
        let configuration = TLSServerConfiguration(
            identity: identity, clientCertificateVerification: verification, keyLog: keyLog)
        return .context(try TLSServerContext(configuration: configuration))
    }
}
