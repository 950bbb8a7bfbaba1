import Foundation
import NIOCore
import PostgresAuthentication
import PostgresTLS
import PostgresWire
import Testing

@testable import PostgresClient

/// The client's opening, event by event, without I/O.
struct ClientConnectionStateMachineTests {
    static let parameters: [StartupMessage.Parameter] = [.init("user", "alice"), .init("database", "app")]
    static let startup = FrontendMessage.startup(StartupMessage(parameters: parameters))
    static let tlsInfo = TLSConnectionInfo(
        serverName: "localhost", protocolVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384",
        alpnProtocol: "postgresql",
        peerCertificate: nil, peerCertificateChain: [], tlsServerEndPoint: Array(repeating: 7, count: 32))

    static func machine(_ change: (inout ClientStartupConfiguration) -> Void = { _ in }) -> ClientConnectionStateMachine
    {
        var configuration = ClientStartupConfiguration(parameters: parameters, password: "secret")
        change(&configuration)
        return ClientConnectionStateMachine(configuration: configuration)
    }

    /// AuthenticationOk, ParameterStatus, BackendKeyData and ReadyForQuery, checking the session.
    static func finish(_ machine: inout ClientConnectionStateMachine) -> ServerSession? {
        #expect(machine.received(.authentication(.ok)) == .none)
        #expect(machine.received(.parameterStatus(ParameterStatus(name: "server_version", value: "15.8"))) == .none)
        #expect(machine.received(.backendKeyData(BackendKeyData(processID: 42, secretKey: [1, 2, 3, 4]))) == .none)
        guard case .ready(let session) = machine.received(.readyForQuery(.idle)) else { return nil }
        return session
    }

    static func failure(_ action: ClientConnectionStateMachine.Action) -> PostgresClientError.Reason? {
        if case .fail(let reason) = action { return reason }
        return nil
    }

    @Test func trustOpensTheSession() throws {
        var machine = Self.machine()
        #expect(machine.connected() == .send([Self.startup]))
        let session = try #require(Self.finish(&machine))
        #expect(session.parameters == ["server_version": "15.8"])
        #expect(session.backendKey == BackendKeyData(processID: 42, secretKey: [1, 2, 3, 4]))
        #expect(session.protocolVersion == .v3_0)
        #expect(session.tlsInfo == nil)
        #expect(session.authenticationMethod == nil)
    }

    @Test func sslRequestAcceptedStartsTLSThenStartup() throws {
        var machine = Self.machine { $0.tlsStart = .sslRequest(required: true) }
        #expect(machine.connected() == .send([.sslRequest]))
        #expect(machine.received(.sslResponse(accepted: true)) == .startTLS)
        #expect(machine.tlsEstablished(Self.tlsInfo) == .send([Self.startup]))
        #expect(try #require(Self.finish(&machine)).tlsInfo == Self.tlsInfo)
    }

    /// The answer to SSLRequest, screened as libpq reads it: `S` and `N` are decoded, an `E` is not trusted,
    /// anything else is no SSL answer.
    @Test func sslResponseScreening() {
        func screen(_ bytes: String) -> ClientConnectionStateMachine.Screening {
            var machine = Self.machine { $0.tlsStart = .sslRequest(required: false) }
            _ = machine.connected()
            return machine.screen(ByteBuffer(string: bytes))
        }
        #expect(screen("") == .needMoreBytes)
        #expect(screen("S") == .decode)
        #expect(screen("N") == .decode)
        #expect(
            screen("Efork failed\0")
                == .act(.fail(.protocolViolation("server sent an error response during SSL exchange"))))
        #expect(
            screen("HTTP/1.1") == .act(.fail(.protocolViolation("received invalid response to SSL negotiation: H"))))
    }

    /// While waiting for authentication, only `R`, `v` and `E` with plausible lengths are decoded; an `E` with an
    /// implausible length is a pre-3.0 error text.
    @Test func authenticationReplyScreening() {
        func screen(_ bytes: [UInt8]) -> ClientConnectionStateMachine.Screening {
            var machine = Self.machine()
            _ = machine.connected()
            return machine.screen(ByteBuffer(bytes: bytes))
        }
        #expect(screen([UInt8(ascii: "R"), 0, 0]) == .needMoreBytes)
        #expect(screen([UInt8(ascii: "R"), 0, 0, 0, 8]) == .decode)
        #expect(
            screen([UInt8(ascii: "R"), 0, 0, 7, 209])
                == .act(.fail(.protocolViolation("received invalid authentication request"))))
        #expect(
            screen([UInt8(ascii: "R"), 0, 0, 0, 7])
                == .act(.fail(.protocolViolation("received invalid authentication request"))))
        #expect(
            screen([UInt8(ascii: "v"), 0, 0, 7, 209])
                == .act(.fail(.protocolViolation("received invalid protocol negotiation message"))))
        #expect(screen([UInt8(ascii: "E"), 0, 0, 117, 48]) == .decode)
        #expect(screen(Array("Ecould not fork\n".utf8)) == .needMoreBytes)
        #expect(screen(Array("Ecould not fork\n\0".utf8)) == .act(.fail(.legacyServerError("could not fork"))))
        #expect(
            screen(Array("HTTP/1.1".utf8))
                == .act(.fail(.protocolViolation("expected authentication request from server, but received H"))))
    }

    @Test func sslRequestDeclined() {
        var preferring = Self.machine { $0.tlsStart = .sslRequest(required: false) }
        _ = preferring.connected()
        #expect(preferring.received(.sslResponse(accepted: false)) == .send([Self.startup]))
        var requiring = Self.machine { $0.tlsStart = .sslRequest(required: true) }
        _ = requiring.connected()
        #expect(requiring.received(.sslResponse(accepted: false)) == .fail(.tlsRequired))
    }

    @Test func directTLSNeedsALPN() {
        var machine = Self.machine { $0.tlsStart = .direct }
        #expect(machine.connected() == .startTLS)
        var info = Self.tlsInfo
        info.alpnProtocol = nil
        #expect(
            machine.tlsEstablished(info)
                == .fail(
                    .protocolViolation(
                        "direct SSL connection was established without ALPN protocol negotiation extension")))
    }

    @Test func gssEncryptionDeclinedGoesOnToSSLRequest() {
        var machine = Self.machine {
            $0.requestsGSSEncryption = true
            $0.tlsStart = .sslRequest(required: false)
        }
        #expect(machine.connected() == .send([.gssENCRequest]))
        #expect(machine.received(.gssENCResponse(accepted: false)) == .send([.sslRequest]))
        var accepting = Self.machine { $0.requestsGSSEncryption = true }
        _ = accepting.connected()
        #expect(accepting.received(.gssENCResponse(accepted: true)) == .fail(.gssEncryptionUnsupported))
    }

    @Test func cleartextAndMD5Passwords() throws {
        var cleartext = Self.machine()
        _ = cleartext.connected()
        #expect(
            cleartext.received(.authentication(.cleartextPassword)) == .send([.password(.init(password: "secret"))]))
        #expect(try #require(Self.finish(&cleartext)).authenticationMethod == .password)

        var md5 = Self.machine()
        _ = md5.connected()
        let salt: [UInt8] = [1, 2, 3, 4]
        let expected = MD5Password.clientResponse(user: "alice", password: "secret", salt: salt)
        #expect(
            md5.received(.authentication(.md5Password(salt: salt))) == .send([.password(.init(password: expected))]))
    }

    @Test func missingPasswordFailsAsLibpq() {
        var machine = Self.machine { $0.password = nil }
        _ = machine.connected()
        #expect(
            machine.received(.authentication(.md5Password(salt: [0, 0, 0, 0])))
                == .fail(.passwordNeeded))
    }

    /// A whole SCRAM exchange against the server side of PostgresAuthentication, with and without channel binding.
    @Test(arguments: [false, true])
    func scramAgainstTheServerExchange(overTLS: Bool) throws {
        var machine = Self.machine { $0.tlsStart = overTLS ? .sslRequest(required: true) : .none }
        _ = machine.connected()
        if overTLS {
            _ = machine.received(.sslResponse(accepted: true))
            _ = machine.tlsEstablished(Self.tlsInfo)
        }
        var server = SCRAMServerExchange(
            verifier: SCRAMVerifier.make(password: "secret", iterations: 16),
            channelBinding: overTLS ? Self.tlsInfo.tlsServerEndPoint : nil)
        let offered = server.offeredMechanisms.map(\.rawValue)
        guard case .send(let first) = machine.received(.authentication(.sasl(mechanisms: offered))),
            case .saslInitialResponse(let initial)? = first.first
        else { throw TestFailure("no SASLInitialResponse") }
        #expect(initial.mechanism == (overTLS ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256"))
        let serverFirst = try server.receiveClientFirst(Array(buffer: initial.data!), mechanism: initial.mechanism)
        guard
            case .send(let second) = machine.received(
                .authentication(.saslContinue(data: ByteBuffer(bytes: serverFirst)))),
            case .saslResponse(let response)? = second.first
        else { throw TestFailure("no SASLResponse") }
        let serverFinal = try server.receiveClientFinal(Array(buffer: response.data))
        #expect(machine.received(.authentication(.saslFinal(data: ByteBuffer(bytes: serverFinal)))) == .none)
        let session = try #require(Self.finish(&machine))
        #expect(session.isChannelBound == overTLS)
        #expect(session.authenticationMethod == .scramSHA256)
    }

    @Test func wrongServerSignatureFails() throws {
        var signed = Self.machine()
        _ = signed.connected()
        guard case .send(let first) = signed.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"]))),
            case .saslInitialResponse(let initial)? = first.first
        else { throw TestFailure("no SASLInitialResponse") }
        var server = SCRAMServerExchange(verifier: SCRAMVerifier.make(password: "other", iterations: 16))
        let serverFirstMessage = try server.receiveClientFirst(Array(buffer: initial.data!), mechanism: "SCRAM-SHA-256")
        _ = signed.received(.authentication(.saslContinue(data: ByteBuffer(bytes: serverFirstMessage))))
        let forged = "v=" + Data(repeating: 0, count: 32).base64EncodedString()
        #expect(
            signed.received(.authentication(.saslFinal(data: ByteBuffer(string: forged))))
                == .fail(.authentication("incorrect server signature")))
    }

    @Test func channelBindingRequired() {
        var plaintext = Self.machine { $0.channelBinding = .require }
        _ = plaintext.connected()
        #expect(
            plaintext.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])))
                == .fail(.authentication("channel binding required, but SSL not in use")))
        var withoutPlus = Self.machine {
            $0.channelBinding = .require
            $0.tlsStart = .sslRequest(required: true)
        }
        _ = withoutPlus.connected()
        _ = withoutPlus.received(.sslResponse(accepted: true))
        _ = withoutPlus.tlsEstablished(Self.tlsInfo)
        #expect(
            withoutPlus.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])))
                == .fail(
                    .authentication(
                        "channel binding is required, but server did not offer an authentication method that "
                            + "supports channel binding")))
        var md5 = Self.machine { $0.channelBinding = .require }
        _ = md5.connected()
        #expect(
            md5.received(.authentication(.md5Password(salt: [1, 2, 3, 4])))
                == .fail(
                    .authentication("channel binding required but not supported by server's authentication request")))
        var trust = Self.machine { $0.channelBinding = .require }
        _ = trust.connected()
        #expect(
            trust.received(.authentication(.ok))
                == .fail(
                    .authentication("channel binding required, but server authenticated client without channel binding")
                ))
    }

    @Test func plusOfferedWithoutTLSIsRefused() {
        var machine = Self.machine()
        _ = machine.connected()
        #expect(
            machine.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])))
                == .fail(.authentication("server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection")))
    }

    @Test func requireAuthRefusesOtherMethods() throws {
        var md5Only = Self.machine { $0.requiredAuthentication = try! AuthenticationRequirement(parsing: "md5") }
        _ = md5Only.connected()
        #expect(
            md5Only.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])))
                == .fail(
                    .authentication(
                        "authentication method requirement \"md5\" failed: server requested SASL authentication")))
        var noCleartext = Self.machine {
            $0.requiredAuthentication = try! AuthenticationRequirement(parsing: "!password")
        }
        _ = noCleartext.connected()
        #expect(
            noCleartext.received(.authentication(.cleartextPassword))
                == .fail(
                    .authentication(
                        "authentication method requirement \"!password\" failed: server requested a cleartext password")
                ))
        var scramOnly = Self.machine {
            $0.requiredAuthentication = try! AuthenticationRequirement(parsing: "scram-sha-256")
        }
        _ = scramOnly.connected()
        #expect(
            scramOnly.received(.authentication(.ok))
                == .fail(
                    .authentication(
                        "authentication method requirement \"scram-sha-256\" failed: server did not complete authentication"
                    )))
        var passwordAllowed = Self.machine {
            $0.requiredAuthentication = try! AuthenticationRequirement(parsing: "password")
        }
        _ = passwordAllowed.connected()
        _ = passwordAllowed.received(.authentication(.cleartextPassword))
        #expect(try #require(Self.finish(&passwordAllowed)).authenticationMethod == .password)
    }

    @Test func protocolNegotiation() throws {
        var machine = Self.machine { $0.maximumProtocolVersion = .v3_2 }
        #expect(
            machine.connected()
                == .send([.startup(StartupMessage(protocolVersion: .v3_2, parameters: Self.parameters))]))
        #expect(
            machine.received(
                .negotiateProtocolVersion(NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: [])))
                == .none)
        #expect(try #require(Self.finish(&machine)).protocolVersion == .v3_0)

        var strict = Self.machine {
            $0.minimumProtocolVersion = .v3_2
            $0.maximumProtocolVersion = .v3_2
        }
        _ = strict.connected()
        #expect(
            strict.received(
                .negotiateProtocolVersion(NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: [])))
                == .fail(
                    .protocolViolation(
                        "server only supports protocol version 3.0, but min_protocol_version was set to 3.2")))

        var unrequested = Self.machine()
        _ = unrequested.connected()
        #expect(
            Self.failure(
                unrequested.received(
                    .negotiateProtocolVersion(NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: [])))
            ) != nil)
    }

    @Test func targetSessionAttributesJudgeTheReportedParameters() {
        var machine = Self.machine { $0.targetSessionAttributes = .readWrite }
        _ = machine.connected()
        _ = machine.received(.authentication(.ok))
        _ = machine.received(.parameterStatus(ParameterStatus(name: "default_transaction_read_only", value: "on")))
        #expect(machine.received(.readyForQuery(.idle)) == .fail(.sessionRejected("session is read-only")))
    }

    @Test func endlessNoticesAreCutOff() {
        var machine = Self.machine()
        _ = machine.connected()
        let notice = BackendMessage.noticeResponse(
            DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "again"))
        for _ in 0..<ClientConnectionStateMachine.maximumOpeningMessages {
            #expect(machine.received(notice) == .none)
        }
        #expect(
            machine.received(notice)
                == .fail(.protocolViolation("the server sent more than 10000 messages while connecting")))
    }

    @Test func serverErrorsAndViolations() {
        var machine = Self.machine()
        _ = machine.connected()
        let error = DiagnosticMessage(severity: "FATAL", sqlState: "28P01", message: "password authentication failed")
        #expect(machine.received(.errorResponse(error)) == .fail(.server(error)))
        var confused = Self.machine()
        _ = confused.connected()
        #expect(
            confused.received(.dataRow(DataRow(columns: [])))
                == .fail(.protocolViolation("expected authentication request from server, but received DataRow")))
        var closing = Self.machine()
        _ = closing.connected()
        #expect(closing.closed() == .fail(.closed))
    }
}

/// A test step that could not go on.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
