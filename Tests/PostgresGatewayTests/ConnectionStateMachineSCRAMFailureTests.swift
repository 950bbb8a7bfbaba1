import NIOCore
import PostgresAuthentication
import PostgresWire
import Testing

@testable import PostgresGateway

/// SCRAM messages PostgreSQL 15 refuses, through the connection state machine: the FATAL's SQLSTATE, message and
/// DETAIL are PostgreSQL's (taken from a PostgreSQL 15 given the same bytes over a raw socket, with and without TLS).
struct ConnectionStateMachineSCRAMFailureTests {
    typealias Tests = ConnectionStateMachineTests

    /// A machine that offered SCRAM (and -PLUS with `tls`) and received `clientFirst` with `mechanism`: the action
    /// after the verifier came, and the machine.
    static func afterClientFirst(_ clientFirst: String, mechanism: String = "SCRAM-SHA-256", tls: Bool)
        -> (ConnectionStateMachine.Action, ConnectionStateMachine)
    {
        var machine = Tests.machine(.scramSHA256, tls: tls)
        if tls { Tests.secured(&machine) }
        Tests.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        let initial = SASLInitialResponse(mechanism: mechanism, data: ByteBuffer(string: clientFirst))
        _ = machine.messageReceived(.saslInitialResponse(initial), hasUnprocessedBytes: false)
        let action = machine.scramVerifierFetched(SCRAMVerifier.make(password: "secret", iterations: 4096))
        return (action, machine)
    }

    static func fatal(_ action: ConnectionStateMachine.Action) -> String {
        guard case .closeWithError(let error) = action else { return "no error: \(action)" }
        return [error.severity, error.sqlState, error.message, error[.detail]].compactMap { $0 }.joined(
            separator: " | ")
    }

    @Test(arguments: [
        (false, "", "FATAL | 08P01 | malformed SCRAM message | The message is empty."),
        (false, "n,a=bob,n=,r=abc", "FATAL | 0A000 | client uses authorization identity, but it is not supported"),
        (false, "x,,n=,r=abc", #"FATAL | 08P01 | malformed SCRAM message | Unexpected channel-binding flag "'x'"."#),
        (false, "n,,m=ext,n=,r=abc", "FATAL | 0A000 | client requires an unsupported SCRAM extension"),
        (false, "n,,n=,r=ab\u{1}c", "FATAL | 08P01 | non-printable characters in SCRAM nonce"),
        (
            false, "n,x,n=,r=abc",
            #"FATAL | 08P01 | malformed SCRAM message | Unexpected attribute "'x'" in client-first-message."#
        ),
        (false, "n,,n=,x=abc", #"FATAL | 08P01 | malformed SCRAM message | Expected attribute "r" but found "'x'"."#),
        (
            false, "n,,n=,r=a\u{0}bc",
            "FATAL | 08P01 | malformed SCRAM message | Message length does not match input length."
        ),
        (false, "nx", #"FATAL | 08P01 | malformed SCRAM message | Comma expected, but found character "'x'"."#),
        (
            false, "p=tls-server-end-point,,n=,r=abc",
            "FATAL | 08P01 | malformed SCRAM message | The client selected SCRAM-SHA-256 without channel binding, "
                + "but the SCRAM message includes channel binding data."
        ),
        (
            true, "y,,n=,r=abc",
            "FATAL | 28000 | SCRAM channel binding negotiation error | The client supports SCRAM channel binding but "
                + "thinks the server does not.  However, this server does support channel binding."
        ),
    ])
    func clientFirstFailures(tls: Bool, clientFirst: String, expected: String) {
        #expect(Self.fatal(Self.afterClientFirst(clientFirst, tls: tls).0) == expected)
    }

    @Test(arguments: [
        (
            "n,,n=,r=abc",
            "FATAL | 08P01 | malformed SCRAM message | The client selected SCRAM-SHA-256-PLUS, but the SCRAM message "
                + "does not include channel binding data."
        ),
        ("p=tls-unique,,n=,r=abc", #"FATAL | 08P01 | unsupported SCRAM channel-binding type "tls-unique""#),
    ])
    func plusClientFirstFailures(clientFirst: String, expected: String) {
        #expect(
            Self.fatal(Self.afterClientFirst(clientFirst, mechanism: "SCRAM-SHA-256-PLUS", tls: true).0) == expected)
    }

    /// The FATAL for pgw's own client's exchange with its client-final message changed by `change`.
    static func finalFailure(
        tls: Bool = false, binding: [UInt8]? = nil, password: String = "secret", change: (String) -> String = { $0 }
    ) throws -> String {
        var machine = Tests.machine(.scramSHA256, tls: tls)
        if tls { Tests.secured(&machine) }
        Tests.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        let mechanism: SCRAMMechanism = binding == nil ? .scramSHA256 : .scramSHA256Plus
        var client = SCRAMClientExchange(password: password, mechanism: mechanism, channelBinding: binding)
        let initial = SASLInitialResponse(
            mechanism: mechanism.rawValue, data: ByteBuffer(bytes: client.clientFirstMessage))
        _ = machine.messageReceived(.saslInitialResponse(initial), hasUnprocessedBytes: false)
        let afterVerifier = machine.scramVerifierFetched(SCRAMVerifier.make(password: "secret", iterations: 4096))
        guard case .send(let messages) = afterVerifier,
            case .authentication(.saslContinue(let serverFirst))? = messages.first
        else { return "no server-first: \(afterVerifier)" }
        let clientFinal = String(
            decoding: try client.receiveServerFirst(Array(serverFirst.readableBytesView)), as: UTF8.self)
        let response = SASLResponse(data: ByteBuffer(string: change(clientFinal)))
        return fatal(machine.messageReceived(.saslResponse(response), hasUnprocessedBytes: false))
    }

    /// `text` with attribute `name`'s value replaced by `value` (or the attribute removed, for `nil`).
    static func replacing(_ name: String, with value: String?, in text: String) -> String {
        text.split(separator: ",").compactMap { attribute in
            guard attribute.hasPrefix(name + "=") else { return String(attribute) }
            return value.map { name + "=" + $0 }
        }.joined(separator: ",")
    }

    @Test(arguments: [false, true])
    func clientFinalFailures(tls: Bool) throws {
        let malformed = "FATAL | 08P01 | malformed SCRAM message | "
        #expect(
            try Self.finalFailure(tls: tls) { Self.replacing("c", with: "eSws", in: $0) }
                == "FATAL | 08P01 | unexpected SCRAM channel-binding attribute in client-final-message")
        #expect(
            try Self.finalFailure(tls: tls) { Self.replacing("r", with: "abc", in: $0) }
                == "FATAL | 08P01 | invalid SCRAM response | Nonce does not match.")
        #expect(
            try Self.finalFailure(tls: tls) { Self.replacing("p", with: "YWJj", in: $0) }
                == malformed + "Malformed proof in client-final-message.")
        #expect(
            try Self.finalFailure(tls: tls) { Self.replacing("p", with: nil, in: $0) }
                == malformed + "Attribute expected, but found end of string.")
        #expect(
            try Self.finalFailure(tls: tls) { $0 + ",x=1" }
                == malformed + "Garbage found at the end of client-final-message.")
        #expect(try Self.finalFailure(tls: tls) { _ in "" } == malformed + "The message is empty.")
        #expect(
            try Self.finalFailure(tls: tls) { _ in "garbage" }
                == malformed + #"Expected attribute "c" but found "'g'"."#)
        #expect(
            try Self.finalFailure(tls: tls, password: "nope")
                == #"FATAL | 28P01 | password authentication failed for user "alice""#)
    }

    @Test func plusWithAnotherCertificateHashFailsTheBindingCheck() throws {
        #expect(
            try Self.finalFailure(tls: true, binding: Array(repeating: 0, count: 32))
                == "FATAL | 28000 | SCRAM channel binding check failed")
        #expect(
            try Self.finalFailure(tls: true, binding: Tests.tlsInfo.tlsServerEndPoint).hasPrefix(
                "no error: authenticated"))
    }
}
