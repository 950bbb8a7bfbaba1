import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

@Suite("psql (libpq) against a pgw test server")
struct PsqlTests {
    /// A server choosing its certificate by SNI: `db2.pgw.test` gets its own, anything else the main one,
    /// which requires a client certificate; unknown `*.invalid` names are refused.
    private func sniServer() async throws -> MiniPostgresServer {
        let pki = try TestPKI.shared()
        let main = try pki.serverContext(clientCertificates: .required(trustRoots: .pemFile(pki.path("ca.crt"))))
        let second = try pki.serverContext(pki.secondServer)
        return try await MiniPostgresServer.start {
            try TLSHandler { serverName in
                try await Task.sleep(for: .milliseconds(2))
                switch serverName {
                case "db2.pgw.test": return second
                case let name? where name.hasSuffix(".invalid"):
                    throw TestSupportError.unexpected("unknown name \(name)")
                default: return main
                }
            }
        }
    }

    private func psql(_ options: [String: String], port: Int) async throws -> ProcessOutcome {
        let pki = try TestPKI.shared()
        var parameters = [
            "hostaddr": "127.0.0.1", "port": String(port), "dbname": "postgres", "user": "alice",
            "sslmode": "verify-full", "sslsni": "1", "sslrootcert": pki.path("ca.crt"), "gssencmode": "disable",
            "connect_timeout": "30",
        ]
        parameters.merge(options) { $1 }
        let connection = parameters.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        return try await SubprocessCommand(
            try Programs.psql(), [connection, "-X", "-A", "-t", "-c", "\\conninfo"],
            environment: Programs.libpqEnvironment(home: pki.directory), timeout: .seconds(60)
        ).run()
    }

    @Test("sslmode=verify-full with SNI and a client certificate logs in")
    func verifyFullWithClientCertificate() async throws {
        let pki = try TestPKI.shared()
        let server = try await sniServer()
        defer { Task { try await server.stop() } }
        let outcome = try await psql(
            ["host": "db1.pgw.test", "sslcert": pki.path("client.crt"), "sslkey": pki.path("client.key")],
            port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.contains("SSL connection (protocol: TLSv1.3"), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(connection.handshake?.serverName == "db1.pgw.test")
        #expect(connection.handshake?.peerCertificate?.commonName == "alice")
        #expect(connection.loggedIn == true && connection.user == "alice")
    }

    @Test("SNI picks the second name's certificate, which verify-full accepts")
    func secondName() async throws {
        let server = try await sniServer()
        defer { Task { try await server.stop() } }
        let outcome = try await psql(["host": "db2.pgw.test"], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(connection.handshake?.serverName == "db2.pgw.test")
        #expect(connection.handshake?.tlsServerEndPoint?.count == 48)  // signed with SHA-384
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var options: @Sendable (TestPKI) -> [String: String]
        var psqlSays: String
        var serverSees: @Sendable (ServerLog.Connection) -> Bool
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "wrong CA", options: { ["host": "db2.pgw.test", "sslrootcert": $0.path("other-ca.crt")] },
            psqlSays: "certificate verify failed",
            serverSees: { $0.errors.first.map { "\($0)".contains("alert unknown ca") } ?? false }),
        Failure(
            name: "missing client certificate", options: { _ in ["host": "db1.pgw.test"] },
            psqlSays: "certificate required",
            serverSees: { $0.errors.first.map { "\($0)".contains("peer did not return a certificate") } ?? false }),
        Failure(
            name: "client certificate for another role",
            options: {
                [
                    "host": "db1.pgw.test", "user": "bob", "sslcert": $0.path("client.crt"),
                    "sslkey": $0.path("client.key"),
                ]
            },
            psqlSays: "certificate authentication failed for user \"bob\"",
            serverSees: { $0.loggedIn == false }),
        Failure(
            name: "unknown server name", options: { _ in ["host": "nowhere.invalid", "sslmode": "require"] },
            psqlSays: "unrecognized name",
            serverSees: {
                if case .serverContextUnavailable(serverName: "nowhere.invalid", _)? = $0.errors.first {
                    true
                } else {
                    false
                }
            }),
    ]

    @Test("failures reach psql and the server as the right errors", arguments: failures)
    func failure(_ failure: Failure) async throws {
        let pki = try TestPKI.shared()
        let server = try await sniServer()
        defer { Task { try await server.stop() } }
        let outcome = try await psql(failure.options(pki), port: server.port)
        #expect(!outcome.succeeded)
        #expect(outcome.standardError.contains(failure.psqlSays), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(failure.serverSees(connection), "\(connection)")
    }
}
