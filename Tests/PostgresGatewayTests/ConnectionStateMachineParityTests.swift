import Foundation
import NIOCore
import PostgresAuthentication
import PostgresWire
import Testing

@testable import PostgresGateway

/// Where the gateway must answer exactly as PostgreSQL does: repeated negotiation requests, data injected after
/// them, invalid message types, repeated startup parameters, empty passwords, the connection limit, unknown users.
struct ConnectionStateMachineParityTests {
    typealias Machine = ConnectionStateMachineTests

    static func diagnostic(_ action: ConnectionStateMachine.Action) -> DiagnosticMessage? {
        guard case .closeWithError(let diagnostic) = action else { return nil }
        return diagnostic
    }

    @Test func aSecondSSLRequestIsAnUnsupportedProtocol() {
        var machine = Machine.machine(.none)
        #expect(
            machine.messageReceived(.sslRequest, hasUnprocessedBytes: false) == .send([.sslResponse(accepted: false)]))
        let second = Self.diagnostic(machine.messageReceived(.sslRequest, hasUnprocessedBytes: false))
        #expect(second?.sqlState == "0A000")
        #expect(second?.message == "unsupported frontend protocol 1234.5679: server supports 3.0 to 3.2")
    }

    @Test func aSecondGSSENCRequestIsAnUnsupportedProtocol() {
        var machine = Machine.machine(.none)
        #expect(
            machine.messageReceived(.gssENCRequest, hasUnprocessedBytes: false)
                == .send([.gssENCResponse(accepted: false)]))
        let second = Self.diagnostic(machine.messageReceived(.gssENCRequest, hasUnprocessedBytes: false))
        #expect(second?.message == "unsupported frontend protocol 1234.5680: server supports 3.0 to 3.2")
    }

    @Test func dataAfterARefusedSSLRequestIsRejected() {
        var machine = Machine.machine(.none)
        let error = Self.diagnostic(machine.messageReceived(.sslRequest, hasUnprocessedBytes: true))
        #expect(error?.sqlState == "08P01")
        #expect(error?.message == "received unencrypted data after SSL request")
        var gss = Machine.machine(.none)
        #expect(Self.diagnostic(gss.messageReceived(.gssENCRequest, hasUnprocessedBytes: true))?.sqlState == "08P01")
    }

    @Test func aRepeatedStartupParameterTakesTheLastValue() {
        var machine = Machine.machine(.none)
        let startup = FrontendMessage.startup(
            StartupMessage(parameters: [.init("user", "mallory"), .init("database", "x"), .init("user", "alice")]))
        Machine.started(&machine, startup: startup)
        #expect(machine.connectionState.clientInfo?.user == "alice")
        #expect(machine.connectionState.clientInfo?.parameters.count == 2)
    }

    @Test func anEmptyCleartextPasswordNeverAuthenticates() {
        var machine = Machine.machine(.cleartextPassword)
        Machine.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        let action = machine.messageReceived(.password(PasswordMessage(password: "")), hasUnprocessedBytes: false)
        Machine.expectFatal(action, .invalidPassword)
    }

    @Test func invalidMessageTypesGetPostgreSQLsWording() {
        var ready = Machine.machine(.none)
        Machine.started(&ready)
        _ = ready.startupHookCompleted(handled: false)
        #expect(Self.diagnostic(ready.unexpectedMessageType(112))?.message == "invalid frontend message type 112")
        var waiting = Machine.machine(.cleartextPassword)
        Machine.started(&waiting)
        _ = waiting.startupHookCompleted(handled: false)
        let error = Self.diagnostic(waiting.messageReceived(.query(Query("select 1")), hasUnprocessedBytes: false))
        #expect(error?.message == "expected password response, got message type 81")
        var decoding = Machine.machine(.none)
        Machine.started(&decoding)
        _ = decoding.startupHookCompleted(handled: false)
        let unknown = WireDecodingError(offset: 30, messageType: nil, reason: .unknownMessageType(84))
        #expect(Self.diagnostic(decoding.decodingFailed(unknown))?.message == "invalid frontend message type 84")
        // The machine closed at the first error: a fresh one for the next.
        var decodingLong = Machine.machine(.none)
        Machine.started(&decodingLong)
        _ = decodingLong.startupHookCompleted(handled: false)
        let long = WireDecodingError(
            offset: 30, messageType: "Query", reason: .messageTooLong(length: 70_000, limit: 65_536))
        #expect(Self.diagnostic(decodingLong.decodingFailed(long))?.message == "invalid message length")
    }

    @Test func tooManyClientsAfterTheStartupPacket() {
        var machine = Machine.machine(.none)
        #expect(
            machine.messageReceived(.sslRequest, hasUnprocessedBytes: false) == .send([.sslResponse(accepted: false)]))
        #expect(machine.messageReceived(Machine.startup, hasUnprocessedBytes: false) == .checkAdmission)
        let error = Self.diagnostic(machine.admissionDecided(false))
        #expect(error?.sqlState == "53300")
        #expect(error?.message == "sorry, too many clients already")
    }

    @Test func aSilentClientIsClosedQuietlyAtTheStartupTimeout() {
        var machine = Machine.machine(.none)
        #expect(machine.startupTimeoutFired() == .close)
        var started = Machine.machine(.cleartextPassword)
        Machine.started(&started)
        #expect(started.startupTimeoutFired() == .none)
    }

    /// The server-first-message's salt and iteration count for `user`, who is unknown.
    static func unknownUserServerFirst(_ user: String, nonce: [UInt8]) throws -> String {
        var machine = ConnectionStateMachine(
            configuration: .init(
                authenticationMode: .scramSHA256, isTLSConfigured: false, serverParameters: [],
                mockAuthenticationNonce: nonce))
        _ = machine.messageReceived(
            .startup(StartupMessage(parameters: [.init("user", user)])), hasUnprocessedBytes: false)
        _ = machine.admissionDecided(true)
        _ = machine.startupHookCompleted(handled: false)
        let clientFirst = ByteBuffer(string: "n,,n=,r=abcdefghijklmnop")
        _ = machine.messageReceived(
            .saslInitialResponse(SASLInitialResponse(mechanism: "SCRAM-SHA-256", data: clientFirst)),
            hasUnprocessedBytes: false)
        guard case .send(let messages) = machine.scramVerifierFetched(nil),
            case .authentication(.saslContinue(let data)) = messages.first
        else {
            throw TestFailure("no server-first-message")
        }
        // r=<nonce>,s=<salt>,i=<iterations>: drop the random nonce.
        return String(buffer: data).split(separator: ",").dropFirst().joined(separator: ",")
    }

    @Test func unknownUsersGetAStableMockSalt() throws {
        let nonce = Array(repeating: UInt8(7), count: 32)
        let first = try Self.unknownUserServerFirst("nobody", nonce: nonce)
        #expect(try Self.unknownUserServerFirst("nobody", nonce: nonce) == first)
        #expect(try Self.unknownUserServerFirst("somebody", nonce: nonce) != first)
        #expect(try Self.unknownUserServerFirst("nobody", nonce: Array(repeating: 8, count: 32)) != first)
        #expect(first.hasSuffix(",i=4096"))
        let expectedSalt = SCRAMVerifier.mock(user: "nobody", nonce: nonce).salt
        #expect(first.hasPrefix("s=\(Data(expectedSalt).base64EncodedString()),"))
    }
}
