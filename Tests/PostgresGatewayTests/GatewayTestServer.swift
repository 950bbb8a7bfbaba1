import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresGateway
import PostgresTLS
import PostgresTestSupport
import PostgresWire

/// An in-process gateway on a free loopback port, serving the server-emulation responder, with what its hooks saw.
struct GatewayTestServer: Sendable {
    /// Users and passwords the server accepts.
    static let users = ["alice": "secret"]

    let server: PostgresServer
    let port: Int
    /// The connection states the `onAuthenticated` hook saw, and the cancel requests that arrived.
    let authenticated: NIOLockedValueBox<[ConnectionState]>
    let cancelRequests: NIOLockedValueBox<[CancelRequest]>

    static func start(
        _ mode: AuthenticationMode,
        tls: Bool = false,
        clientCertificates: Bool = false,
        authenticationTimeout: TimeAmount = .seconds(60),
        startupTimeout: TimeAmount = .seconds(10),
        maximumConnections: Int = 100
    ) async throws -> GatewayTestServer {
        var tlsConfiguration: PostgresServerConnectionConfiguration.TLS?
        if tls {
            let certificates = try TestCertificates.shared()
            let identity = try TLSIdentity(
                certificateChainFile: certificates.path("server.crt"),
                privateKeyFile: certificates.path("server.key")
            )
            let verification: TLSClientCertificateVerification =
                clientCertificates ? .optional(trustRoots: .pemFile(certificates.path("ca.crt"))) : .none
            tlsConfiguration = .context(
                try TLSServerContext(
                    configuration: TLSServerConfiguration(
                        identity: identity, clientCertificateVerification: verification))
            )
        }
        let authenticated = NIOLockedValueBox<[ConnectionState]>([])
        let cancelRequests = NIOLockedValueBox<[CancelRequest]>([])
        let hooks = PostgresServerConnectionHooks(
            onAuthenticated: { connection in authenticated.withLockedValue { $0.append(connection.state) } },
            onCancelRequest: { request, _ in cancelRequests.withLockedValue { $0.append(request) } }
        )
        .authenticating(passwords: users, certificateUsersMustBeListed: false)
        .servingQueries(with: ServerEmulationResponder(serverVersion: "18.0 (pgw test)"))
        let configuration = PostgresServerConnectionConfiguration(
            serverVersion: "18.0 (pgw test)",
            authenticationMode: mode,
            tls: tlsConfiguration,
            startupTimeout: startupTimeout,
            authenticationTimeout: authenticationTimeout
        )
        let server = try await PostgresServer.bind(
            port: 0,
            configuration: configuration,
            hooks: hooks,
            maximumConnections: maximumConnections
        )
        return GatewayTestServer(
            server: server,
            port: server.localAddress!.port!,
            authenticated: authenticated,
            cancelRequests: cancelRequests
        )
    }

    /// A libpq connection string for this server.
    func conninfo(_ extra: String = "", user: String = "alice") -> String {
        "host=127.0.0.1 port=\(port) user=\(user) dbname=app connect_timeout=10 \(extra)"
    }

    /// Runs `psql -c sql` against the server.
    func psql(_ sql: String, conninfo: String, password: String? = nil) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGGSSENCMODE"] = "disable"
        return try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("psql"),
            ["-X", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql, conninfo],
            environment: environment,
            timeout: .seconds(30)
        ).run()
    }

    /// Runs a Python program with `PORT` set to the server's port.
    func python(_ program: String) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = String(port)
        environment["PGGSSENCMODE"] = "disable"
        return try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            ["-c", program],
            environment: environment,
            timeout: .seconds(60)
        ).run()
    }

    func stop() async {
        await server.shutdown()
    }
}
