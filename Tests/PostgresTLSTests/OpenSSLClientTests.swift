import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

@Suite("openssl s_client against a pgw test server")
struct OpenSSLClientTests {
    private func server() async throws -> MiniPostgresServer {
        let pki = try TestPKI.shared()
        let context = try pki.serverContext(clientCertificates: .optional(trustRoots: .pemFile(pki.path("ca.crt"))))
        return try await MiniPostgresServer.start { try TLSHandler(serverContext: context) }
    }

    private func sClient(_ arguments: [String], port: Int, input: String? = nil) async throws -> ProcessOutcome {
        let openssl = try Programs.openssl()
        let command = ([openssl.path, "s_client", "-connect", "127.0.0.1:\(port)"] + arguments).map { "'\($0)'" }
        let script = "(printf '\(input ?? "")'; sleep \(input == nil ? 0 : 1)) | " + command.joined(separator: " ")
        return try await SubprocessCommand(URL(filePath: "/bin/sh"), ["-c", script], timeout: .seconds(30)).run()
    }

    @Test("-starttls postgres: verified, with SNI and a client certificate")
    func startTLS() async throws {
        let pki = try TestPKI.shared()
        let server = try await server()
        defer { Task { try await server.stop() } }
        let outcome = try await sClient(
            [
                "-starttls", "postgres", "-servername", "db1.pgw.test", "-verify_hostname", "db1.pgw.test",
                "-CAfile", pki.path("ca.crt"), "-verify_return_error", "-cert", pki.path("client.crt"),
                "-key", pki.path("client.key"),
            ], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.contains("Verify return code: 0 (ok)"), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(connection.handshake?.serverName == "db1.pgw.test")
        #expect(connection.handshake?.peerCertificate?.commonName == "alice")
        #expect(connection.errors.isEmpty)
    }

    @Test("direct TLS (first byte 0x16) with ALPN postgresql, as sslnegotiation=direct")
    func directTLS() async throws {
        let pki = try TestPKI.shared()
        let server = try await server()
        defer { Task { try await server.stop() } }
        let outcome = try await sClient(
            ["-alpn", "postgresql", "-servername", "localhost", "-CAfile", pki.path("ca.crt"), "-verify_return_error"],
            port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.contains("ALPN protocol: postgresql"), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(connection.handshake?.alpnProtocol == "postgresql")
    }

    @Test("a client offering only another ALPN protocol is refused, as by PostgreSQL 17")
    func foreignALPN() async throws {
        let server = try await server()
        defer { Task { try await server.stop() } }
        let outcome = try await sClient(["-alpn", "http/1.1"], port: server.port)
        #expect(!outcome.succeeded)
        #expect(outcome.standardError.contains("no application protocol"), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(
            connection.errors == [
                .handshakeFailed(OpenSSLError(operation: "TLS handshake", reasons: ["no application protocol"]))
            ])
    }

    @Test("TLS 1.2 renegotiation is refused")
    func renegotiation() async throws {
        let server = try await server()
        defer { Task { try await server.stop() } }
        let outcome = try await sClient(["-starttls", "postgres", "-tls1_2"], port: server.port, input: "R\\n")
        #expect(outcome.standardError.contains("RENEGOTIATING"), "\(outcome)")
        #expect(outcome.standardError.contains("no renegotiation"), "\(outcome)")
        let connection = try #require(try await server.log.settled(count: 1).first)
        #expect(connection.handshake?.protocolVersion == "TLSv1.2")
    }
}
