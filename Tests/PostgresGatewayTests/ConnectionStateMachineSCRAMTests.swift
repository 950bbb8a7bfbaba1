import NIOCore
import PostgresAuthentication
import PostgresWire
import Testing

@testable import PostgresGateway

/// SCRAM-SHA-256 and -PLUS through the connection state machine, with pgw's own SCRAM client.
struct ConnectionStateMachineSCRAMTests {
    typealias Tests = ConnectionStateMachineTests

    /// Runs a login with `password` against a verifier for "secret"; returns the final action.
    static func login(
        password: String,
        tls: Bool,
        mechanism: SCRAMMechanism = .scramSHA256,
        clientCanBind: Bool? = nil,
        knownUser: Bool = true
    ) throws -> ConnectionStateMachine.Action {
        var machine = Tests.machine(.scramSHA256, tls: tls)
        if tls { Tests.secured(&machine) }
        Tests.started(&machine)
        let offered: [String] = tls ? ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"] : ["SCRAM-SHA-256"]
        #expect(machine.startupHookCompleted(handled: false) == .send([.authentication(.sasl(mechanisms: offered))]))
        // A client that could bind but picks plain SCRAM sends the `y` flag; one that cannot sends `n`.
        let binding = (clientCanBind ?? (mechanism == .scramSHA256Plus)) ? Tests.tlsInfo.tlsServerEndPoint : nil
        var client = SCRAMClientExchange(password: password, mechanism: mechanism, channelBinding: binding)
        let initial = SASLInitialResponse(
            mechanism: mechanism.rawValue, data: ByteBuffer(bytes: client.clientFirstMessage))
        #expect(
            machine.messageReceived(.saslInitialResponse(initial), hasUnprocessedBytes: false)
                == .fetchSCRAMVerifier(user: "alice"))
        let verifier = knownUser ? SCRAMVerifier.make(password: "secret", iterations: 4096) : nil
        let afterVerifier = machine.scramVerifierFetched(verifier)
        guard case .send(let messages) = afterVerifier,
            case .authentication(.saslContinue(let serverFirst))? = messages.first
        else {
            return afterVerifier
        }
        let clientFinal = try client.receiveServerFirst(Array(serverFirst.readableBytesView))
        return machine.messageReceived(
            .saslResponse(SASLResponse(data: ByteBuffer(bytes: clientFinal))), hasUnprocessedBytes: false)
    }

    @Test(arguments: [(false, SCRAMMechanism.scramSHA256), (true, .scramSHA256), (true, .scramSHA256Plus)])
    func rightPasswordAuthenticates(tls: Bool, mechanism: SCRAMMechanism) throws {
        let action = try Self.login(password: "secret", tls: tls, mechanism: mechanism)
        guard case .authenticated(let messages) = action, case .authentication(.saslFinal)? = messages.first else {
            Issue.record("expected SASLFinal then AuthenticationOk, got \(action)")
            return
        }
        #expect(messages[1] == .authentication(.ok))
    }

    /// As PostgreSQL: 28000 "SCRAM channel binding negotiation error".
    @Test func downgradeFromChannelBindingIsRejected() throws {
        Tests.expectFatal(
            try Self.login(password: "secret", tls: true, clientCanBind: true), .invalidAuthorizationSpecification)
    }

    @Test func wrongPasswordFailsWith28P01() throws {
        Tests.expectFatal(try Self.login(password: "guess", tls: false), .invalidPassword)
    }

    @Test func unknownUserFailsLikeAWrongPassword() throws {
        Tests.expectFatal(try Self.login(password: "secret", tls: false, knownUser: false), .invalidPassword)
    }

    @Test func mechanismsNotOfferedAreRejected() {
        var machine = Tests.machine(.scramSHA256)
        Tests.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        let plus = SASLInitialResponse(
            mechanism: "SCRAM-SHA-256-PLUS", data: ByteBuffer(string: "p=tls-server-end-point,,n=,r=x"))
        Tests.expectFatal(
            machine.messageReceived(.saslInitialResponse(plus), hasUnprocessedBytes: false), .protocolViolation)
    }
}
