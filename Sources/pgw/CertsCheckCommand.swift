import ArgumentParser
import PostgresTLS

/// `pgw certs check`: checks certificate and key files as PostgreSQL and libpq will use them.
struct CertsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a certificate, its key, chain, dates and names before PostgreSQL or libpq does.",
        discussion: """
            Prints one line per check: ok, warn or FAIL, the check and what was found. The checks: \
            certificate (the PEM parses), key (it parses; --passphrase-file decrypts it), key-match (the key \
            belongs to the certificate), key-permissions (as libpq requires: owned by root and 0640 or \
            stricter, otherwise 0600 or stricter), chain (it verifies to --ca; for \
            server authentication with --host, client authentication with --user), validity (not expired nor \
            yet to start, with the time left: days, or hours within the last day; warn within 30 days), host (--host is named by a DNS alternative \
            name, or the CN when there is none, with wildcards as sslmode=verify-full allows them) and user \
            (the CN is --user, as the cert authentication method requires).

            Exits with status 1 when any check fails.

            Examples:
              pgw certs check --cert server.crt --key server.key --ca ca.crt --host db.test
              pgw certs check --cert alice.crt --key alice.key --user alice --format json
            """
    )

    /// The `--format` values.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(
        help: ArgumentHelp("The certificate (PEM), leaf first, then any intermediates.", valueName: "file"),
        completion: .file())
    var cert: String

    @Option(help: ArgumentHelp("The private key (PEM).", valueName: "file"), completion: .file())
    var key: String?

    @Option(
        help: ArgumentHelp("A file holding the key's passphrase (its first line).", valueName: "file"),
        completion: .file())
    var passphraseFile: String?

    @Option(
        help: ArgumentHelp("Trusted CA certificates (PEM) the certificate must chain to.", valueName: "file"),
        completion: .file())
    var ca: String?

    @Option(help: ArgumentHelp("A host name or IP address the server certificate must name.", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("The role name a client certificate's CN must be.", valueName: "user"))
    var user: String?

    @Option(help: "How to print the verdicts: text lines or a JSON array.")
    var format = Format.text

    func validate() throws {
        if passphraseFile != nil && key == nil {
            throw ValidationError("--passphrase-file needs --key.")
        }
    }

    func run() throws {
        let check = CertificateCheck(
            certificateFile: cert, keyFile: key,
            passphrase: try passphraseFile.map(PassphraseFile.read),
            authorityFile: ca, hostName: host, user: user)
        try CertsVerdicts.report(check.run(), as: format)
    }
}
