import PostgresAuthentication
import PostgresGateway
import Testing

struct SCRAMClientExchangeTests {
    @Test func clientSideOfRFC7677() throws {
        var client = SCRAMClientExchange(
            user: RFC7677Vector.user, password: RFC7677Vector.password, clientNonce: RFC7677Vector.clientNonce)
        #expect(client.mechanism == .scramSHA256)
        #expect(client.clientFirstMessage.text == RFC7677Vector.clientFirst)
        let clientFinal = try client.receiveServerFirst(RFC7677Vector.serverFirst.bytes)
        #expect(clientFinal.text == RFC7677Vector.clientFinal)
        try client.receiveServerFinal(RFC7677Vector.serverFinal.bytes)
    }

    @Test func userNameIsEscaped() {
        let client = SCRAMClientExchange(user: "a=b,c", password: "secret", clientNonce: "abc")
        #expect(client.clientFirstMessage.text == "n,,n=a=3Db=2Cc,r=abc")
    }

    @Test(arguments: [
        ("r=someone-elses-nonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", SCRAMErrorKind.nonceMismatch),
        ("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", .nonceMismatch),
        ("m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", .unsupportedFeature),
        ("r=rOprNGfwEbeRWgbNEkqOabc,s=W22Z,i=4096x", .malformedMessage),
        ("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", .malformedMessage),
        ("r=rOprNGfwEbeRWgbNEkqOabc,s=W22Z!J0SNY7soEsUEjb6gQ==,i=4096", .malformedMessage),
        ("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=1", .malformedMessage),
    ])
    func serverFirstIsRefused(message: String, error: SCRAMErrorKind) {
        var client = SCRAMClientExchange(password: "pencil", clientNonce: RFC7677Vector.clientNonce)
        #expect(SCRAMErrorKind.of { _ = try client.receiveServerFirst(message.bytes) } == error)
    }

    @Test(arguments: [
        ("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", SCRAMErrorKind.invalidServerSignature),
        ("e=invalid-proof", .serverError),
        ("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x", .malformedMessage),
        ("", .malformedMessage),
    ])
    func serverFinalIsRefused(message: String, error: SCRAMErrorKind) throws {
        var client = SCRAMClientExchange(
            user: RFC7677Vector.user, password: RFC7677Vector.password, clientNonce: RFC7677Vector.clientNonce)
        _ = try client.receiveServerFirst(RFC7677Vector.serverFirst.bytes)
        #expect(SCRAMErrorKind.of { try client.receiveServerFinal(message.bytes) } == error)
    }

    @Test func messagesOutOfOrderAreUnexpected() throws {
        var client = SCRAMClientExchange(password: "pencil", clientNonce: RFC7677Vector.clientNonce)
        #expect(
            SCRAMErrorKind.of { try client.receiveServerFinal(RFC7677Vector.serverFinal.bytes) } == .unexpectedMessage)
        _ = try client.receiveServerFirst(RFC7677Vector.serverFirst.bytes)
        #expect(
            SCRAMErrorKind.of { _ = try client.receiveServerFirst(RFC7677Vector.serverFirst.bytes) }
                == .unexpectedMessage)
    }
}
