import PostgresTLS
import Testing

@Suite("The client handler against a real PostgreSQL server with ssl=on")
struct PostgresUpstreamTests {
    @Test("verify-full succeeds and the server asks for authentication")
    func verifyFull() async throws {
        let pki = try TestPKI.shared()
        let server = try await PostgresTLSServerFixture.running()
        let context = try pki.clientContext(.verifyFull, serverName: "localhost")
        let outcome = try await UpstreamLogin.run(port: server.port, user: "postgres") {
            try TLSHandler(clientContext: context)
        }
        #expect(outcome.firstMessageType == "R")
        #expect(outcome.handshake.peerCertificate?.commonName == "localhost")
        #expect(outcome.handshake.tlsServerEndPoint == pki.server.certificateChain[0].tlsServerEndPoint)
        #expect(outcome.handshake.protocolVersion == "TLSv1.3")
    }

    @Test("a client certificate passes PostgreSQL's cert authentication")
    func clientCertificate() async throws {
        let pki = try TestPKI.shared()
        let server = try await PostgresTLSServerFixture.running()
        let context = try pki.clientContext(.verifyFull, identity: pki.client)
        let outcome = try await UpstreamLogin.run(port: server.port, user: "alice") {
            try TLSHandler(clientContext: context)
        }
        #expect(outcome.firstMessageType == "R")
    }

    @Test("without the client certificate PostgreSQL refuses alice")
    func missingClientCertificate() async throws {
        let pki = try TestPKI.shared()
        let server = try await PostgresTLSServerFixture.running()
        let context = try pki.clientContext(.verifyFull)
        let outcome = try await UpstreamLogin.run(port: server.port, user: "alice") {
            try TLSHandler(clientContext: context)
        }
        #expect(outcome.firstMessageType == "E")
    }

    @Test("verify-ca with the wrong CA fails the handshake")
    func wrongCA() async throws {
        let pki = try TestPKI.shared()
        let server = try await PostgresTLSServerFixture.running()
        let context = try pki.clientContext(.verifyCA, trusting: pki.otherAuthority)
        // PostgreSQL sends its CA along with its certificate, so OpenSSL meets a root it does not trust.
        await #expect(
            throws: TLSError.certificateVerificationFailed(reason: "self-signed certificate in certificate chain")
        ) {
            try await UpstreamLogin.run(port: server.port, user: "postgres") { try TLSHandler(clientContext: context) }
        }
    }
}
