import ArgumentParser
import Foundation
import Logging
import NIOCore
import PostgresGateway
import PostgresTLS
import PostgresWire
import UnixSignals

/// `pgw serve`: a mock PostgreSQL server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a mock PostgreSQL server that echoes statements back.",
        discussion: """
            Accepts PostgreSQL clients, authenticates them with the chosen method and answers queries over the \
            simple and the extended query protocol: SET, SHOW, BEGIN/COMMIT/ROLLBACK (with the right \
            transaction status) and SELECT version() behave like PostgreSQL; every other statement comes back \
            as a one-row result with one text column, "echo". Prints "listening on HOST:PORT" once it accepts. \
            SIGINT or SIGTERM shuts it down gracefully: connected clients get FATAL 57P01 and are closed within \
            --shutdown-timeout, even when they do not read; a second signal stops at once.

            At most --max-connections sessions run at once; a client beyond that gets FATAL 53300 "sorry, too many \
            clients already" after its startup packet, as from PostgreSQL. Each connection uses bounded memory: \
            the server stops reading from a client that does not read its replies. Connections are logged to \
            standard error (--log-level info: one line when a client is authorized, one when it leaves, with the \
            reason).

            With --tls-cert and --tls-key, TLS is required (plaintext clients get FATAL 28000); without them, \
            SSLRequest is answered 'N'.

            Examples:
              pgw serve --port 0
              pgw serve --auth scram-sha-256 --user alice:secret
              pgw serve --auth cert --tls-cert server.crt --tls-key server.key \\
                --tls-ca ca.crt
            """
    )

    /// The `--auth` values, named like pg_hba.conf's methods.
    enum AuthMethod: String, ExpressibleByArgument, CaseIterable {
        case trust, password, md5
        case scramSHA256 = "scram-sha-256"
        case cert

        static var allValueDescriptions: [String: String] {
            [
                "trust": "no authentication",
                "password": "a cleartext password (use with TLS)",
                "md5": "an md5-hashed password",
                "scram-sha-256": "SCRAM-SHA-256, with channel binding (-PLUS) over TLS",
                "cert": "a TLS client certificate whose CN is the user (needs --tls-ca)",
            ]
        }

        var mode: AuthenticationMode {
            switch self {
            case .trust: .none
            case .password: .cleartextPassword
            case .md5: .md5Password
            case .scramSHA256: .scramSHA256
            case .cert: .certificate
            }
        }
    }

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 5432

    @Option(help: "How clients authenticate.")
    var auth = AuthMethod.trust

    @Option(
        name: .customLong("user"),
        help: ArgumentHelp("A user and password, NAME:PASSWORD; repeatable.", valueName: "name:password"))
    var users: [String] = []

    @Option(
        help: ArgumentHelp("The server certificate chain (PEM); enables and requires TLS.", valueName: "file"),
        completion: .file())
    var tlsCert: String?

    @Option(help: ArgumentHelp("The server private key (PEM).", valueName: "file"), completion: .file())
    var tlsKey: String?

    @Option(help: ArgumentHelp("A file holding the private key's passphrase.", valueName: "file"), completion: .file())
    var tlsKeyPassphraseFile: String?

    @Option(
        help: ArgumentHelp("CA certificates (PEM) that client certificates must chain to.", valueName: "file"),
        completion: .file())
    var tlsCa: String?

    @Option(help: "The version reported as server_version and by SELECT version().")
    var serverVersion = "18.0 (pgw)"

    @Option(help: "The most sessions at once (PostgreSQL's max_connections).")
    var maxConnections = 1_000

    @Option(
        help: ArgumentHelp("Seconds connected clients get to take their FATAL 57P01 at shutdown.", valueName: "seconds")
    )
    var shutdownTimeout = 5

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together.")
        }
        if auth == .cert && (tlsCert == nil || tlsCa == nil) {
            throw ValidationError("--auth cert needs --tls-cert, --tls-key and --tls-ca.")
        }
        if [.password, .md5, .scramSHA256].contains(auth) && users.isEmpty {
            throw ValidationError("--auth \(auth.rawValue) needs at least one --user NAME:PASSWORD.")
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections takes a number from 1 to 1000000, got \(maxConnections).")
        }
        guard (0...3_600).contains(shutdownTimeout) else {
            throw ValidationError("--shutdown-timeout takes seconds from 0 to 3600, got \(shutdownTimeout).")
        }
        _ = try parsedUsers()
    }

    func run() async throws {
        let configuration = PostgresConnectionConfiguration(
            serverVersion: serverVersion,
            authenticationMode: auth.mode,
            tls: try tlsConfiguration()
        )
        let hooks = PostgresConnectionHooks()
            .authenticating(passwords: try parsedUsers(), certificateUsersMustBeListed: !users.isEmpty)
            .servingQueries(with: EchoResponder(serverVersion: serverVersion))
        let logger = logging.makeLogger(label: "pgw.serve")
        // Trap the signals before listening, so that a signal right after "listening on" is not lost.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let server = try await PostgresServer.bind(
            host: host, port: port, configuration: configuration, hooks: hooks, maximumConnections: maxConnections,
            logger: logger)
        // Scripts wait for this line, so it goes out at once.
        FileHandle.standardOutput.write(Data("listening on \(host):\(server.localAddress?.port ?? port)\n".utf8))
        var received = signals.makeAsyncIterator()
        guard let first = await received.next() else { return }
        // From now on SIGINT and SIGTERM have their default effect: a second one stops the process at once.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        logger.info("received \(first): shutting down (a second signal stops at once)")
        await server.shutdown(timeout: TimeAmount.seconds(Int64(shutdownTimeout)))
    }

    private func parsedUsers() throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in users {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                throw ValidationError("--user takes NAME:PASSWORD, got '\(entry)'.")
            }
            guard entry.index(after: colon) != entry.endIndex else {
                throw ValidationError(
                    "--user \(entry) has an empty password, which PostgreSQL never accepts; give NAME:PASSWORD.")
            }
            result[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
        }
        return result
    }

    private func tlsConfiguration() throws -> PostgresConnectionConfiguration.TLS? {
        guard let tlsCert, let tlsKey else { return nil }
        let passphrase = try tlsKeyPassphraseFile.map {
            try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        let identity = try TLSIdentity(certificateChainFile: tlsCert, privateKeyFile: tlsKey, passphrase: passphrase)
        var verification = TLSClientCertificateVerification.none
        if let tlsCa {
            verification =
                auth == .cert ? .required(trustRoots: .pemFile(tlsCa)) : .optional(trustRoots: .pemFile(tlsCa))
        }
        let configuration = TLSServerConfiguration(identity: identity, clientCertificateVerification: verification)
        return .context(try TLSServerContext(configuration: configuration))
    }
}
