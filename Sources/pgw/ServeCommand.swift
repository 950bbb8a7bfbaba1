import ArgumentParser
import Foundation
import NIOCore
import PostgresGateway
import PostgresTLS
import PostgresWire
import ServiceLifecycle

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
            SIGINT or SIGTERM shuts it down gracefully: connected clients get FATAL 57P01.

            With --tls-cert and --tls-key, TLS is required (plaintext clients get FATAL 28000); without them, \
            SSLRequest is answered 'N'.

            Examples:
              pgw serve --port 0
              pgw serve --auth scram-sha-256 --user alice:secret
              pgw serve --auth cert --tls-cert server.crt --tls-key server.key --tls-ca ca.crt
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

    @Option(help: ArgumentHelp("The server certificate chain (PEM); enables and requires TLS.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The server private key (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("A file holding the private key's passphrase.", valueName: "file"))
    var tlsKeyPassphraseFile: String?

    @Option(help: ArgumentHelp("CA certificates (PEM) that client certificates must chain to.", valueName: "file"))
    var tlsCa: String?

    @Option(help: "The version reported as server_version and by SELECT version().")
    var serverVersion = "18.0 (pgw)"

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
        let server = try await PostgresServer.bind(host: host, port: port, configuration: configuration, hooks: hooks)
        // Scripts wait for this line, so it goes out at once.
        FileHandle.standardOutput.write(Data("listening on \(host):\(server.localAddress?.port ?? port)\n".utf8))
        let group = ServiceGroup(
            services: [ShutdownOnSignal(server: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: .init(label: "pgw.serve")
        )
        try await group.run()
    }

    private func parsedUsers() throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in users {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                throw ValidationError("--user takes NAME:PASSWORD, got '\(entry)'.")
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

/// Runs until a shutdown signal, then shuts the server down gracefully.
private struct ShutdownOnSignal: Service {
    let server: PostgresServer

    func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
