import PostgresAuthentication
import PostgresGateway
import Testing

struct SCRAMServerExchangeTests {
    static let endPoint = [UInt8](repeating: 0xAB, count: 32)
    static let verifier = SCRAMVerifier.make(password: "secret", salt: RFC7677Vector.salt, iterations: 1)

    @Test func serverSideOfRFC7677() throws {
        let verifier = SCRAMVerifier.make(
            password: RFC7677Vector.password, salt: RFC7677Vector.salt, iterations: RFC7677Vector.iterations)
        var server = SCRAMServerExchange(verifier: verifier, serverNonce: RFC7677Vector.serverNonce)
        #expect(server.offeredMechanisms == [.scramSHA256])
        let serverFirst = try server.receiveClientFirst(RFC7677Vector.clientFirst.bytes, mechanism: "SCRAM-SHA-256")
        #expect(serverFirst.text == RFC7677Vector.serverFirst)
        let serverFinal = try server.receiveClientFinal(RFC7677Vector.clientFinal.bytes)
        #expect(serverFinal.text == RFC7677Vector.serverFinal)
        #expect(
            SCRAMErrorKind.of { _ = try server.receiveClientFinal(RFC7677Vector.clientFinal.bytes) }
                == .unexpectedMessage)
    }

    @Test func channelBindingExchangeSucceeds() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier, channelBinding: Self.endPoint)
        #expect(server.offeredMechanisms == [.scramSHA256Plus, .scramSHA256])
        var client = SCRAMClientExchange(password: "secret", mechanism: .scramSHA256Plus, channelBinding: Self.endPoint)
        #expect(client.clientFirstMessage.text.hasPrefix("p=tls-server-end-point,,n=,r="))
        try Self.run(&client, against: &server)
    }

    @Test func clientThatCouldBindIsAcceptedWhenBindingWasNotOffered() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        var client = SCRAMClientExchange(password: "secret", channelBinding: Self.endPoint)
        #expect(client.clientFirstMessage.text.hasPrefix("y,,"))
        try Self.run(&client, against: &server)
    }

    @Test func clientWithoutBindingIsAcceptedWhenBindingWasOffered() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier, channelBinding: Self.endPoint)
        var client = SCRAMClientExchange(password: "secret")
        try Self.run(&client, against: &server)
    }

    @Test func optionalExtensionsInClientFirstAreSkipped() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        let serverFirst = try server.receiveClientFirst(
            "n,,n=someone,r=abc,x=extension".bytes, mechanism: "SCRAM-SHA-256")
        #expect(serverFirst.text.hasPrefix("r=abc"))
    }

    @Test func wrongPasswordFailsTheProof() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        var client = SCRAMClientExchange(password: "not the secret")
        let serverFirst = try server.receiveClientFirst(client.clientFirstMessage, mechanism: "SCRAM-SHA-256")
        let clientFinal = try client.receiveServerFirst(serverFirst)
        #expect(SCRAMErrorKind.of { _ = try server.receiveClientFinal(clientFinal) } == .invalidProof)
        #expect(SCRAMErrorKind.of { _ = try server.receiveClientFinal(clientFinal) } == .unexpectedMessage)
    }

    @Test func clientFinalBeforeClientFirstIsUnexpected() {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        #expect(
            SCRAMErrorKind.of { _ = try server.receiveClientFinal(RFC7677Vector.clientFinal.bytes) }
                == .unexpectedMessage)
    }

    @Test func failedClientFirstEndsTheExchange() {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        let message = "n,,n=,r=abc".bytes
        #expect(
            SCRAMErrorKind.of { _ = try server.receiveClientFirst(message, mechanism: "PLAIN") }
                == .unsupportedMechanism)
        #expect(
            SCRAMErrorKind.of { _ = try server.receiveClientFirst(message, mechanism: "SCRAM-SHA-256") }
                == .unexpectedMessage)
    }

    /// Client-first-messages PostgreSQL refuses: whether the server offers channel binding, the mechanism the
    /// client chose, the message, and the error.
    @Test(arguments: [
        (false, "SCRAM-SHA-1", "n,,n=,r=abc", SCRAMErrorKind.unsupportedMechanism),
        (false, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc", .unsupportedMechanism),
        (true, "SCRAM-SHA-256-PLUS", "n,,n=,r=abc", .channelBindingMismatch),
        (true, "SCRAM-SHA-256-PLUS", "y,,n=,r=abc", .channelBindingMismatch),
        (true, "SCRAM-SHA-256", "y,,n=,r=abc", .channelBindingMismatch),  // downgrade
        (true, "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc", .channelBindingMismatch),
        (false, "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc", .channelBindingMismatch),
        (true, "SCRAM-SHA-256-PLUS", "p=tls-unique,,n=,r=abc", .channelBindingMismatch),
        (false, "SCRAM-SHA-256", "", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n=,r=a\u{0}bc", .malformedMessage),
        (false, "SCRAM-SHA-256", "x,,n=,r=abc", .malformedMessage),
        (false, "SCRAM-SHA-256", "n;,n=,r=abc", .malformedMessage),
        (true, "SCRAM-SHA-256-PLUS", "p,,n=,r=abc", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,a=admin,n=,r=abc", .unsupportedFeature),
        (false, "SCRAM-SHA-256", "n,x,n=,r=abc", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,m=extension,n=,r=abc", .unsupportedFeature),
        (false, "SCRAM-SHA-256", "n,,r=abc", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n=", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n,r=abc", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n=,r=ab\u{7F}c", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n=,r=abc,1=x", .malformedMessage),
        (false, "SCRAM-SHA-256", "n,,n=,r=abc,x", .malformedMessage),
    ])
    func clientFirstIsRefused(offersBinding: Bool, mechanism: String, message: String, error: SCRAMErrorKind) {
        var server = SCRAMServerExchange(verifier: Self.verifier, channelBinding: offersBinding ? Self.endPoint : nil)
        #expect(SCRAMErrorKind.of { _ = try server.receiveClientFirst(message.bytes, mechanism: mechanism) } == error)
    }

    /// Client-final-messages PostgreSQL refuses, written with `{nonce}` and `{proof}` standing for the values
    /// of a valid one, and the error.
    @Test(arguments: [
        ("c=biws,r=x{nonce},p={proof}", SCRAMErrorKind.nonceMismatch),
        // Without channel binding, `c` must repeat the GS2 header (PostgreSQL: "unexpected SCRAM channel-binding
        // attribute in client-final-message", 08P01).
        ("c=eSws,r={nonce},p={proof}", .malformedMessage),  // flag y, though the client sent n
        ("c=cD10bHMtc2VydmVyLWVuZC1wb2ludCws,r={nonce},p={proof}", .malformedMessage),
        ("c=biws,r={nonce},x=extension,p={proof}", .invalidProof),  // extensions are skipped, but signed
        ("c=biws,r={nonce}", .malformedMessage),
        ("c=biws,r={nonce},p=AAAA", .malformedMessage),
        ("c=biws,r={nonce},p=!!!!", .malformedMessage),
        ("c=biws,r={nonce},p={proof},x", .malformedMessage),
        ("r={nonce},c=biws,p={proof}", .malformedMessage),
        ("", .malformedMessage),
    ])
    func clientFinalIsRefused(template: String, error: SCRAMErrorKind) throws {
        var server = SCRAMServerExchange(verifier: Self.verifier)
        var client = SCRAMClientExchange(password: "secret")
        let serverFirst = try server.receiveClientFirst(client.clientFirstMessage, mechanism: "SCRAM-SHA-256")
        let attributes = try client.receiveServerFirst(serverFirst).text.split(separator: ",")
        let message = template.replacing("{nonce}", with: attributes[1].dropFirst(2))
            .replacing("{proof}", with: attributes[2].dropFirst(2))
        #expect(SCRAMErrorKind.of { _ = try server.receiveClientFinal(message.bytes) } == error)
    }

    @Test func differentBindingDataFailsTheCheck() throws {
        var server = SCRAMServerExchange(verifier: Self.verifier, channelBinding: Self.endPoint)
        var client = SCRAMClientExchange(
            password: "secret", mechanism: .scramSHA256Plus, channelBinding: [UInt8](repeating: 0xCD, count: 32))
        let serverFirst = try server.receiveClientFirst(client.clientFirstMessage, mechanism: "SCRAM-SHA-256-PLUS")
        let clientFinal = try client.receiveServerFirst(serverFirst)
        #expect(SCRAMErrorKind.of { _ = try server.receiveClientFinal(clientFinal) } == .channelBindingMismatch)
    }

    /// Runs a whole exchange between `client` and `server`, which must both succeed.
    static func run(_ client: inout SCRAMClientExchange, against server: inout SCRAMServerExchange) throws {
        let serverFirst = try server.receiveClientFirst(client.clientFirstMessage, mechanism: client.mechanism.rawValue)
        let serverFinal = try server.receiveClientFinal(try client.receiveServerFirst(serverFirst))
        try client.receiveServerFinal(serverFinal)
    }
}
