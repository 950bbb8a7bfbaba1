import Foundation
import NIOCore
import PostgresTLS
import PostgresTestSupport
import PostgresWire
import Testing

@testable import PostgresGateway

/// Every path of the connection state machine, without sockets.
struct ConnectionStateMachineTests {
    static let startup = FrontendMessage.startup(
        StartupMessage(parameters: [
            .init("user", "alice"), .init("database", "app"), .init("application_name", "tests"),
        ])
    )
    /// A verified client certificate for `alice`, as plain facts (no OpenSSL object).
    static let aliceCertificate = TLSCertificateInfo(
        subject: "CN=alice", issuer: "CN=Test CA", commonName: "alice",
        notBefore: Date(timeIntervalSince1970: 0), notAfter: Date(timeIntervalSince1970: 4_000_000_000))
    static let tlsInfo = TLSConnectionInfo(
        serverName: "db.example",
        protocolVersion: "TLSv1.3",
        cipher: "TLS_AES_256_GCM_SHA384",
        alpnProtocol: nil,
        peerCertificate: aliceCertificate,
        peerCertificateChain: [aliceCertificate],
        tlsServerEndPoint: Array(repeating: 7, count: 32)
    )

    static func machine(
        _ mode: AuthenticationMode, tls: Bool = false, requiresTLS: Bool = true, requiresClientCertificate: Bool = false
    ) -> ConnectionStateMachine {
        ConnectionStateMachine(
            configuration: .init(
                authenticationMode: mode,
                isTLSConfigured: tls,
                requiresTLS: requiresTLS,
                requiresClientCertificate: requiresClientCertificate,
                serverParameters: [("server_version", "18.0 (pgw)")],
                mockAuthenticationNonce: Array(repeating: 42, count: 32)
            ),
            random: SeededRandomNumberGenerator(seed: 1)
        )
    }

    /// Runs SSLRequest and the TLS handshake.
    static func secured(_ machine: inout ConnectionStateMachine, info: TLSConnectionInfo = tlsInfo) {
        #expect(machine.messageReceived(.sslRequest, hasUnprocessedBytes: false) == .acceptTLS)
        #expect(machine.tlsHandshakeCompleted(info) == .none)
    }

    static func started(_ machine: inout ConnectionStateMachine, startup: FrontendMessage = startup) {
        #expect(machine.messageReceived(startup, hasUnprocessedBytes: false) == .checkAdmission)
        #expect(machine.admissionDecided(true) == .runStartupHook(send: []))
    }

    static func expectAuthenticated(_ action: ConnectionStateMachine.Action, first: [BackendMessage] = []) {
        guard case .authenticated(let messages) = action else {
            Issue.record("expected authenticated, got \(action)")
            return
        }
        #expect(Array(messages.prefix(first.count + 1)) == first + [.authentication(.ok)])
        #expect(messages.last == .readyForQuery(.idle))
        #expect(messages.contains(.parameterStatus(ParameterStatus(name: "server_version", value: "18.0 (pgw)"))))
        #expect(messages.contains(.parameterStatus(ParameterStatus(name: "application_name", value: "tests"))))
        #expect(messages.contains(.parameterStatus(ParameterStatus(name: "session_authorization", value: "alice"))))
    }

    static func expectFatal(_ action: ConnectionStateMachine.Action, _ code: SQLState) {
        guard case .closeWithError(let diagnostic) = action else {
            Issue.record("expected an error \(code.rawValue), got \(action)")
            return
        }
        #expect(diagnostic.sqlState == code.rawValue)
        #expect(diagnostic.severity == "FATAL")
    }

    @Test func startupOptionsReportTheSettingsTheySetAsPostgreSQLDoes() {
        // PGOPTIONS="-c DateStyle=German" psql: PostgreSQL 15 reports DateStyle "German, DMY" at startup.
        var machine = Self.machine(.none)
        let startup = FrontendMessage.startup(
            StartupMessage(parameters: [.init("user", "alice"), .init("options", "-c DateStyle=German -c x.y=1")]))
        Self.started(&machine, startup: startup)
        guard case .authenticated(let messages) = machine.startupHookCompleted(handled: false) else {
            Issue.record("expected authenticated")
            return
        }
        #expect(messages.contains(.parameterStatus(ParameterStatus(name: "DateStyle", value: "German, DMY"))))
        // As PostgreSQL 15: application_name is always reported, empty when the client did not send it.
        #expect(messages.contains(.parameterStatus(ParameterStatus(name: "application_name", value: ""))))
    }

    @Test func startupOptionsPostgreSQLCannotApplyEndTheConnection() {
        // Each as PostgreSQL 15 answers PGOPTIONS="…" psql.
        let cases: [(String, String, String)] = [
            ("-c x=1", "42704", "unrecognized configuration parameter \"x\""),
            ("-c foo", "42601", "-c foo requires a value"),
            ("-x", "42601", "invalid command-line argument for server process: -x"),
            ("-c a.b=1 foo", "42601", "invalid command-line argument for server process: foo"),
            ("-c statement_timeout=abc", "22023", "invalid value for parameter \"statement_timeout\": \"abc\""),
            (
                "-c max_connections=5", "55P02",
                "parameter \"max_connections\" cannot be changed without restarting the server"
            ),
        ]
        for (options, code, message) in cases {
            var machine = Self.machine(.none)
            let startup = FrontendMessage.startup(
                StartupMessage(parameters: [.init("user", "alice"), .init("options", options)]))
            Self.started(&machine, startup: startup)
            guard case .closeWithError(let error) = machine.startupHookCompleted(handled: false) else {
                Issue.record("expected a FATAL for \(options)")
                continue
            }
            #expect(
                error.severity == "FATAL" && error.sqlState == code && error.message == message, "\(options): \(error)")
        }
    }

    /// A StartupMessage's own parameters are applied as PostgreSQL applies them: one it cannot apply ends the
    /// connection with its FATAL (PostgreSQL 15, `psycopg.connect("… client_encoding=FOO")`), a valid one is
    /// reported as PostgreSQL spells it.
    @Test func startupParametersPostgreSQLCannotApplyEndTheConnection() {
        let cases: [(String, String, String, String)] = [
            ("client_encoding", "FOO", "22023", "invalid value for parameter \"client_encoding\": \"FOO\""),
            ("nosuch", "1", "42704", "unrecognized configuration parameter \"nosuch\""),
            ("TimeZone", "nowhere/at all", "22023", "invalid value for parameter \"TimeZone\": \"nowhere/at all\""),
        ]
        for (name, value, code, message) in cases {
            var machine = Self.machine(.none)
            let startup = FrontendMessage.startup(
                StartupMessage(parameters: [.init("user", "alice"), .init(name, value)]))
            Self.started(&machine, startup: startup)
            guard case .closeWithError(let error) = machine.startupHookCompleted(handled: false) else {
                Issue.record("expected a FATAL for \(name)=\(value)")
                continue
            }
            #expect(
                error.severity == "FATAL" && error.sqlState == code && error.message == message, "\(name): \(error)")
        }
        var machine = Self.machine(.none)
        Self.started(
            &machine,
            startup: .startup(StartupMessage(parameters: [.init("user", "alice"), .init("client_encoding", "latin1")])))
        guard case .closeWithError = machine.startupHookCompleted(handled: false) else { return }
        Issue.record("client_encoding=latin1 refused")
    }

    @Test func trustAuthenticatesAfterStartup() {
        var machine = Self.machine(.none)
        Self.started(&machine)
        #expect(!machine.connectionState.isAuthenticated)
        Self.expectAuthenticated(machine.startupHookCompleted(handled: false))
        #expect(machine.connectionState.isAuthenticated)
        #expect(machine.connectionState.backendKeyData?.secretKey.count == 4)
        #expect(
            machine.messageReceived(.query(Query("select 1")), hasUnprocessedBytes: false)
                == .deliver(.query(Query("select 1"))))
        #expect(machine.messageReceived(.terminate, hasUnprocessedBytes: false) == .close)
    }

    @Test func sslRequestIsRefusedWithoutTLS() {
        var machine = Self.machine(.none)
        #expect(
            machine.messageReceived(.sslRequest, hasUnprocessedBytes: false) == .send([.sslResponse(accepted: false)]))
        #expect(
            machine.messageReceived(.gssENCRequest, hasUnprocessedBytes: false)
                == .send([.gssENCResponse(accepted: false)]))
        Self.started(&machine)
    }

    @Test func plaintextStartupIsRejectedWhenTLSIsRequired() {
        var machine = Self.machine(.none, tls: true)
        Self.expectFatal(
            machine.messageReceived(Self.startup, hasUnprocessedBytes: false), .invalidAuthorizationSpecification)
        #expect(!machine.connectionState.hasStarted)
    }

    /// With TLS offered but not required (pgbouncer's `client_tls_sslmode=prefer`), a plaintext StartupMessage
    /// starts a session and an SSLRequest is still answered `S`.
    @Test func plaintextStartupIsServedWhenTLSIsOnlyOffered() {
        var plaintext = Self.machine(.none, tls: true, requiresTLS: false)
        Self.started(&plaintext)
        #expect(plaintext.connectionState.tlsInfo == nil)
        var secured = Self.machine(.none, tls: true, requiresTLS: false)
        Self.secured(&secured)
        Self.started(&secured)
    }

    /// A required client certificate (PostgreSQL's `clientcert=verify-ca`): a client that presented none, over TLS
    /// or not, gets FATAL 28000 "connection requires a valid client certificate"; one that did starts.
    @Test func clientWithoutACertificateIsRefusedWhenOneIsRequired() {
        func machine() -> ConnectionStateMachine {
            Self.machine(.none, tls: true, requiresTLS: false, requiresClientCertificate: true)
        }
        var plaintext = machine()
        let refusal = plaintext.messageReceived(Self.startup, hasUnprocessedBytes: false)
        Self.expectFatal(refusal, .invalidAuthorizationSpecification)
        #expect(
            refusal
                == .closeWithError(
                    DiagnosticMessage(
                        severity: "FATAL", sqlState: "28000", message: "connection requires a valid client certificate")
                ))
        var info = Self.tlsInfo
        info.peerCertificate = nil
        var anonymous = machine()
        Self.secured(&anonymous, info: info)
        Self.expectFatal(
            anonymous.messageReceived(Self.startup, hasUnprocessedBytes: false), .invalidAuthorizationSpecification)
        var certified = machine()
        Self.secured(&certified)
        Self.started(&certified)
    }

    @Test func bytesAfterSSLRequestAreRejected() {
        var machine = Self.machine(.none, tls: true)
        Self.expectFatal(machine.messageReceived(.sslRequest, hasUnprocessedBytes: true), .protocolViolation)
    }

    @Test func tlsThenStartupRecordsTheSession() {
        var machine = Self.machine(.none, tls: true)
        Self.secured(&machine)
        Self.started(&machine)
        #expect(machine.connectionState.tlsInfo?.serverName == "db.example")
        #expect(machine.messageReceived(.sslRequest, hasUnprocessedBytes: false) != .acceptTLS)
    }

    @Test func directTLSNeedsTLSConfigured() {
        var plain = Self.machine(.none)
        Self.expectFatal(plain.directTLSReceived(), .protocolViolation)
        var secured = Self.machine(.none, tls: true)
        #expect(secured.directTLSReceived() == .startDirectTLS)
    }

    @Test(arguments: [(AuthenticationMode.cleartextPassword, false), (.md5Password, true)])
    func passwordModesAskTheHook(mode: AuthenticationMode, salted: Bool) {
        for valid in [true, false] {
            var machine = Self.machine(mode)
            Self.started(&machine)
            let request = machine.startupHookCompleted(handled: false)
            guard case .send(let messages) = request, case .authentication(let authentication)? = messages.first else {
                Issue.record("expected an authentication request, got \(request)")
                return
            }
            let salt: [UInt8]
            if case .md5Password(let requestSalt) = authentication {
                salt = requestSalt
            } else {
                #expect(authentication == .cleartextPassword)
                salt = []
            }
            #expect(salted == !salt.isEmpty)
            let action = machine.messageReceived(
                .password(PasswordMessage(password: "md5abc")), hasUnprocessedBytes: false)
            let expected: Credentials =
                salted
                ? .md5Password(user: "alice", hash: "md5abc", salt: salt)
                : .cleartextPassword(user: "alice", password: "md5abc")
            #expect(action == .validateCredentials(expected))
            if valid {
                Self.expectAuthenticated(machine.credentialsValidated(true))
            } else {
                Self.expectFatal(machine.credentialsValidated(false), .invalidPassword)
                #expect(!machine.connectionState.isAuthenticated)
            }
        }
    }

    @Test func messagesBeforeAuthenticationAreViolations() {
        var machine = Self.machine(.cleartextPassword)
        Self.expectFatal(
            machine.messageReceived(.query(Query("select 1")), hasUnprocessedBytes: false), .protocolViolation)
        var waiting = Self.machine(.cleartextPassword)
        Self.started(&waiting)
        _ = waiting.startupHookCompleted(handled: false)
        Self.expectFatal(
            waiting.messageReceived(.query(Query("select 1")), hasUnprocessedBytes: false), .protocolViolation)
        #expect(!waiting.connectionState.isAuthenticated)
    }

    @Test func certificateModeChecksTheCommonName() {
        var machine = Self.machine(.certificate, tls: true)
        Self.secured(&machine)
        Self.started(&machine)
        let certificate = Self.aliceCertificate
        #expect(
            machine.startupHookCompleted(handled: false)
                == .validateCredentials(.certificate(user: "alice", certificate: certificate)))
        Self.expectAuthenticated(machine.credentialsValidated(true))

        var mallory = Self.machine(.certificate, tls: true)
        var info = Self.tlsInfo
        info.peerCertificate?.commonName = "mallory"
        Self.secured(&mallory, info: info)
        Self.started(&mallory)
        Self.expectFatal(mallory.startupHookCompleted(handled: false), .invalidAuthorizationSpecification)

        var anonymous = Self.machine(.certificate, tls: true)
        info.peerCertificate = nil
        Self.secured(&anonymous, info: info)
        Self.started(&anonymous)
        Self.expectFatal(anonymous.startupHookCompleted(handled: false), .invalidAuthorizationSpecification)
    }

    @Test func startupHookCanTakeTheConnectionOver() {
        var machine = Self.machine(.md5Password)
        Self.started(&machine)
        #expect(machine.startupHookCompleted(handled: true) == .none)
        #expect(!machine.connectionState.isAuthenticated)
        #expect(machine.messageReceived(.query(Query("x")), hasUnprocessedBytes: false) == .deliver(.query(Query("x"))))
    }

    @Test func cancelRequestIsHandedToTheHook() {
        var machine = Self.machine(.none)
        let request = CancelRequest(processID: 5, secretKey: [1, 2, 3, 4])
        #expect(machine.messageReceived(.cancelRequest(request), hasUnprocessedBytes: false) == .cancel(request))
    }

    @Test func protocolVersionsAreNegotiatedLikePostgreSQL18() {
        func negotiate(_ version: ProtocolVersion, _ options: [StartupMessage.Parameter] = [])
            -> ConnectionStateMachine.Action
        {
            var machine = Self.machine(.none)
            let parameters = [StartupMessage.Parameter("user", "alice")] + options
            let action = machine.messageReceived(
                .startup(StartupMessage(protocolVersion: version, parameters: parameters)), hasUnprocessedBytes: false)
            return action == .checkAdmission ? machine.admissionDecided(true) : action
        }
        #expect(negotiate(.v3_0) == .runStartupHook(send: []))
        #expect(negotiate(.v3_2) == .runStartupHook(send: []))
        let newer = NegotiateProtocolVersion(
            newestMinorVersion: ProtocolVersion.v3_2.rawValue, unrecognizedOptions: [])
        #expect(
            negotiate(ProtocolVersion(major: 3, minor: 9)) == .runStartupHook(send: [.negotiateProtocolVersion(newer)]))
        let option = NegotiateProtocolVersion(
            newestMinorVersion: ProtocolVersion.v3_0.rawValue, unrecognizedOptions: ["_pq_.compression"])
        #expect(
            negotiate(.v3_0, [.init("_pq_.compression", "on")])
                == .runStartupHook(send: [.negotiateProtocolVersion(option)]))
        Self.expectFatal(negotiate(ProtocolVersion(major: 4, minor: 0)), .featureNotSupported)
    }

    /// A proxy's machine (negotiatesProtocolVersion off) sends no NegotiateProtocolVersion and keeps the
    /// StartupMessage's parameters as sent, `_pq_.` options and repeats included, for the replay upstream.
    @Test func proxyMachineLeavesNegotiationToTheUpstream() {
        var machine = ConnectionStateMachine(
            configuration: .init(
                authenticationMode: .none, isTLSConfigured: false, serverParameters: [],
                mockAuthenticationNonce: Array(repeating: 42, count: 32), negotiatesProtocolVersion: false),
            random: SeededRandomNumberGenerator(seed: 1))
        let parameters: [StartupMessage.Parameter] = [
            .init("user", "alice"), .init("_pq_.foo", "bar"), .init("application_name", "a"),
            .init("application_name", "b"),
        ]
        let action = machine.messageReceived(
            .startup(StartupMessage(protocolVersion: ProtocolVersion(major: 3, minor: 5), parameters: parameters)),
            hasUnprocessedBytes: false)
        #expect(action == .checkAdmission)
        #expect(machine.admissionDecided(true) == .runStartupHook(send: []))
        let client = machine.connectionState.clientInfo
        #expect(client?.sentParameters == parameters)
        #expect(client?.protocolOptions == ["_pq_.foo"])
        #expect(client?.parameters == [.init("user", "alice"), .init("application_name", "b")])
    }

    @Test func protocol32HandsOutLongCancelKeys() {
        var machine = Self.machine(.none)
        Self.started(
            &machine, startup: .startup(StartupMessage(protocolVersion: .v3_2, parameters: [.init("user", "alice")])))
        _ = machine.startupHookCompleted(handled: false)
        #expect(machine.connectionState.backendKeyData?.secretKey.count == 32)
        #expect(machine.connectionState.clientInfo?.protocolVersion == .v3_2)
    }

    @Test func timeoutsEndTheHandshake() {
        var machine = Self.machine(.cleartextPassword)
        Self.started(&machine)
        _ = machine.startupHookCompleted(handled: false)
        Self.expectFatal(machine.timeoutFired(), .queryCanceled)
        var ready = Self.machine(.none)
        Self.started(&ready)
        _ = ready.startupHookCompleted(handled: false)
        #expect(ready.timeoutFired() == .none)
    }

    @Test func malformedInputIsAProtocolViolation() {
        var machine = Self.machine(.none)
        let error = WireDecodingError(
            offset: 0, messageType: nil, reason: .messageTooLong(length: 20_000, limit: 10_000))
        guard case .closeWithError(let diagnostic) = machine.decodingFailed(error) else {
            Issue.record("expected an error")
            return
        }
        #expect(diagnostic.sqlState == "08P01")
        #expect(diagnostic.message == "invalid length of startup packet")
    }

    @Test func userIsRequired() {
        var machine = Self.machine(.none)
        let startup = FrontendMessage.startup(StartupMessage(parameters: [.init("database", "x")]))
        Self.expectFatal(
            machine.messageReceived(startup, hasUnprocessedBytes: false), .invalidAuthorizationSpecification)
    }
}
