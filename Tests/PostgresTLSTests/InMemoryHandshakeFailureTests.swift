import NIOCore
import PostgresTLS
import Testing

@Suite("TLS handlers in memory: handshake failures")
struct InMemoryHandshakeFailureTests {
    /// What one side should report: the exact error, or a substring of an OpenSSL reason.
    enum Expected: CustomStringConvertible {
        case exactly(TLSError)
        case reason(String)

        var description: String {
            switch self {
            case .exactly(let error): "\(error)"
            case .reason(let reason): "a TLSError with reason containing '\(reason)'"
            }
        }

        func matches(_ errors: [TLSError]) -> Bool {
            switch self {
            case .exactly(let error): return errors == [error]
            case .reason(let reason):
                guard errors.count == 1 else { return false }
                switch errors[0] {
                case .handshakeFailed(let error), .connectionFailed(let error):
                    return error.reasons.contains { $0.contains(reason) }
                default:
                    return false
                }
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var client: @Sendable (TestPKI) throws -> TLSHandler
        var server: @Sendable (TestPKI) throws -> TLSHandler
        var clientError: Expected
        var serverError: Expected

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "server certificate from an untrusted CA",
            client: { try TLSHandler(clientContext: $0.clientContext(.verifyCA, trusting: $0.otherAuthority)) },
            server: { try TLSHandler(serverContext: $0.serverContext()) },
            clientError: .exactly(.certificateVerificationFailed(reason: "unable to get local issuer certificate")),
            serverError: .reason("alert unknown ca")),
        Case(
            name: "expired server certificate",
            client: { try TLSHandler(clientContext: $0.clientContext(.verifyCA)) },
            server: { try TLSHandler(serverContext: $0.serverContext($0.expiredServer)) },
            clientError: .exactly(.certificateVerificationFailed(reason: "certificate has expired")),
            serverError: .reason("alert certificate expired")),
        Case(
            name: "server certificate for another host name",
            client: { try TLSHandler(clientContext: $0.clientContext(.verifyFull, serverName: "db2.pgw.test")) },
            server: { try TLSHandler(serverContext: $0.serverContext()) },
            clientError: .exactly(
                .hostNameMismatch(
                    message:
                        "server certificate for \"localhost\" (and 2 other names) does not match host name \"db2.pgw.test\""
                )),
            serverError: .reason("alert bad certificate")),
        Case(
            name: "no client certificate where one is required",
            client: { try TLSHandler(clientContext: $0.clientContext(.verifyFull)) },
            server: {
                try TLSHandler(
                    serverContext: $0.serverContext(
                        clientCertificates: .required(trustRoots: .pemFile($0.path("ca.crt")))))
            },
            clientError: .reason("alert certificate required"),
            serverError: .reason("peer did not return a certificate")),
        Case(
            name: "client certificate from an untrusted CA",
            client: { try TLSHandler(clientContext: $0.clientContext(.verifyFull, identity: $0.strangerClient)) },
            server: {
                try TLSHandler(
                    serverContext: $0.serverContext(
                        clientCertificates: .optional(trustRoots: .pemFile($0.path("ca.crt")))))
            },
            clientError: .reason("alert unknown ca"),
            serverError: .exactly(.certificateVerificationFailed(reason: "unable to get local issuer certificate"))),
    ]

    @Test("each failure gives its typed error on both sides and closes both channels", arguments: cases)
    func failure(_ failure: Case) throws {
        let pki = try TestPKI.shared()
        let pair = try EmbeddedTLSPair(client: failure.client(pki), server: failure.server(pki))
        try pair.pump()
        #expect(failure.clientError.matches(pair.client.recorder.tlsErrors), "client: \(pair.client.recorder.errors)")
        #expect(failure.serverError.matches(pair.server.recorder.tlsErrors), "server: \(pair.server.recorder.errors)")
        #expect(!pair.client.channel.isActive && !pair.server.channel.isActive)
    }
}
