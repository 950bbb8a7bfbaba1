import NIOCore
import PostgresAuthentication
import PostgresTLS
import PostgresWire

/// The server side of the protocol's connection lifecycle as a pure state machine.
///
/// Events go in (decoded client messages, TLS and hook results, timeouts); actions come out. It does no
/// I/O, so every path is tested without sockets; ``GatewayChannelHandler`` drives it on a NIO channel.
struct ConnectionStateMachine {
    /// What the machine needs to know about the server.
    struct Configuration {
        var authenticationMode: AuthenticationMode
        /// Whether TLS is configured: SSLRequest is answered `S`.
        var isTLSConfigured: Bool
        /// Whether a configured TLS is required: a StartupMessage over plaintext is then refused (28000).
        var requiresTLS = true
        /// Whether a client certificate is required: a client that presented none (or none over TLS) is refused
        /// (28000), as PostgreSQL's `clientcert=verify-ca`.
        var requiresClientCertificate = false
        /// The ParameterStatus values reported after authentication, before the client's own.
        var serverParameters: [(name: String, value: String)]
        /// Those that logins of some users or databases get instead.
        var loginParameters: [LoginParameters] = []
        /// The server's secret for unknown users' mock SCRAM salts (PostgreSQL's `mock_auth_nonce`).
        var mockAuthenticationNonce: [UInt8]
        /// Whether a StartupMessage asking for a newer minor version or `_pq_.` options is answered with
        /// NegotiateProtocolVersion (off for a proxy, which replays the StartupMessage upstream).
        var negotiatesProtocolVersion = true
    }

    /// What the driver must do next.
    enum Action: Equatable {
        /// Nothing; read on.
        case none
        /// Send these messages and read on.
        case send([BackendMessage])
        /// Send `S` and start the TLS handshake on the bytes that follow.
        case acceptTLS
        /// Start the TLS handshake on the bytes already received (direct TLS).
        case startDirectTLS
        /// Ask whether the server has room for one more session; answer with ``admissionDecided(_:)``.
        case checkAdmission
        /// Send these messages (the protocol negotiation, if any), then run the `onStartup` hook.
        case runStartupHook(send: [BackendMessage])
        /// Ask the `validateCredentials` hook.
        case validateCredentials(Credentials)
        /// Ask the SCRAM verifier hook for `user`'s stored verifier.
        case fetchSCRAMVerifier(user: String)
        /// Send these messages (AuthenticationOk through ReadyForQuery), then run the `onAuthenticated` hook.
        case authenticated(send: [BackendMessage])
        /// Hand the client's message to the `onMessage` hook and the message stream.
        case deliver(FrontendMessage)
        /// Run the cancel hook, then close without a reply.
        case cancel(CancelRequest)
        /// Skip the client's message with this type byte, whose body is malformed, and answer it with this ERROR
        /// as PostgreSQL does (the session goes on); close with the error as a FATAL where that cannot be done.
        case rejectMessage(typeByte: UInt8, DiagnosticMessage)
        /// Send the error, then close.
        case closeWithError(DiagnosticMessage)
        /// Close without a reply.
        case close
    }

    /// What the client negotiated before its StartupMessage.
    private struct Negotiation {
        /// An SSLRequest was answered (with `S` or `N`); PostgreSQL allows one.
        var sslAnswered = false
        /// A GSSENCRequest was answered; PostgreSQL allows one.
        var gssAnswered = false
        /// TLS is established.
        var secured = false
    }

    private enum State {
        case awaitingStartup(Negotiation)
        case tlsHandshake
        /// The StartupMessage arrived; waiting for the server's admission (connection limit).
        case admitting(preface: [BackendMessage])
        case runningStartupHook
        case awaitingPassword(salt: [UInt8]?)
        case awaitingSASLInitialResponse(mechanisms: [String])
        case fetchingVerifier(clientFirst: [UInt8], mechanism: String)
        case awaitingSASLResponse(SCRAMServerExchange)
        case validatingCredentials(Credentials)
        case ready
        /// The `onStartup` hook took the connection over: every message goes to `onMessage`.
        case handledByHook
        case closed
    }

    private let configuration: Configuration
    private var state: State = .awaitingStartup(Negotiation())
    private var random: any RandomNumberGenerator
    /// The snapshot hooks see.
    private(set) var connectionState = ConnectionState()

    /// A machine awaiting the client's first message; `random` draws password salts and cancel keys.
    init(configuration: Configuration, random: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.configuration = configuration
        self.random = random
    }

    // MARK: Events

    /// A complete message from the client. `hasUnprocessedBytes` tells whether more bytes follow it already.
    mutating func messageReceived(_ message: FrontendMessage, hasUnprocessedBytes: Bool) -> Action {
        switch (state, message) {
        case (.awaitingStartup(var negotiation), .sslRequest):
            // PostgreSQL takes a second request for a startup packet of protocol 1234.5679, which it rejects.
            guard !negotiation.sslAnswered else { return unsupportedProtocol(ProtocolVersion(rawValue: 80_877_103)) }
            // CVE-2021-23222: bytes sent before the answer were not encrypted and may have been injected.
            guard !hasUnprocessedBytes else {
                return fail(.protocolViolation, "received unencrypted data after SSL request")
            }
            negotiation.sslAnswered = true
            guard configuration.isTLSConfigured else {
                state = .awaitingStartup(negotiation)
                return .send([.sslResponse(accepted: false)])
            }
            state = .tlsHandshake
            return .acceptTLS
        case (.awaitingStartup(var negotiation), .gssENCRequest):
            guard !negotiation.gssAnswered else { return unsupportedProtocol(ProtocolVersion(rawValue: 80_877_104)) }
            guard !hasUnprocessedBytes else {
                return fail(.protocolViolation, "received unencrypted data after GSSAPI encryption request")
            }
            negotiation.gssAnswered = true
            state = .awaitingStartup(negotiation)
            return .send([.gssENCResponse(accepted: false)])
        case (.awaitingStartup, .cancelRequest(let request)):
            state = .closed
            return .cancel(request)
        case (.awaitingStartup(let negotiation), .startup(let startup)):
            return startupReceived(startup, secured: negotiation.secured)
        case (.awaitingPassword(let salt), .password(let password)):
            return passwordReceived(password.password, salt: salt)
        case (.awaitingSASLInitialResponse(let mechanisms), .saslInitialResponse(let response)):
            guard mechanisms.contains(response.mechanism) else {
                return fail(.protocolViolation, "client selected an invalid SASL authentication mechanism")
            }
            state = .fetchingVerifier(
                clientFirst: response.data.map { Array($0.readableBytesView) } ?? [], mechanism: response.mechanism)
            return .fetchSCRAMVerifier(user: connectionState.clientInfo?.user ?? "")
        case (.awaitingSASLResponse(var exchange), .saslResponse(let response)):
            do {
                let serverFinal = try exchange.receiveClientFinal(Array(response.data.readableBytesView))
                return authenticate(first: [.authentication(.saslFinal(data: ByteBuffer(bytes: serverFinal)))])
            } catch {
                return failSCRAM(error)
            }
        case (.ready, .terminate), (.handledByHook, .terminate):
            state = .closed
            return .close
        case (.ready, _), (.handledByHook, _):
            return .deliver(message)
        case (.closed, _):
            return .none
        case (.awaitingStartup, _):
            return fail(.protocolViolation, "expected a startup message, got \(message.typeName)")
        case (.awaitingPassword, _), (.awaitingSASLInitialResponse, _), (.awaitingSASLResponse, _):
            if message == .terminate {
                state = .closed
                return .close
            }
            return unexpectedMessageType(message.typeByte ?? 0)
        case (.tlsHandshake, _), (.admitting, _), (.runningStartupHook, _), (.fetchingVerifier, _),
            (.validatingCredentials, _):
            return fail(.protocolViolation, "unexpected \(message.typeName) while the server is busy")
        }
    }

    /// A typed message whose type byte is not valid here, such as a `p` after authentication (PostgreSQL's
    /// "invalid frontend message type").
    mutating func unexpectedMessageType(_ typeByte: UInt8) -> Action {
        switch state {
        case .awaitingPassword:
            return fail(.protocolViolation, "expected password response, got message type \(typeByte)")
        case .awaitingSASLInitialResponse, .awaitingSASLResponse:
            return fail(.protocolViolation, "expected SASL response, got message type \(typeByte)")
        case .closed:
            return .none
        default:
            return fail(.protocolViolation, "invalid frontend message type \(typeByte)")
        }
    }

    /// The server decided whether the client that sent its StartupMessage may have a session.
    mutating func admissionDecided(_ admitted: Bool) -> Action {
        guard case .admitting(let preface) = state else { return .none }
        guard admitted else { return fail(.tooManyConnections, "sorry, too many clients already") }
        state = .runningStartupHook
        return .runStartupHook(send: preface)
    }

    /// The client's first bytes are a TLS ClientHello (PostgreSQL 17's `sslnegotiation=direct`).
    mutating func directTLSReceived() -> Action {
        guard case .awaitingStartup(let negotiation) = state, !negotiation.sslAnswered, configuration.isTLSConfigured
        else {
            return fail(.protocolViolation, "unexpected TLS handshake")
        }
        state = .tlsHandshake
        return .startDirectTLS
    }

    /// The TLS handshake finished.
    mutating func tlsHandshakeCompleted(_ info: TLSConnectionInfo) -> Action {
        guard case .tlsHandshake = state else { return .none }
        connectionState.tlsInfo = info
        state = .awaitingStartup(Negotiation(sslAnswered: true, gssAnswered: false, secured: true))
        return .none
    }

    /// The client's bytes are not valid protocol; `typeByte` is the type byte of the message that failed, if any.
    ///
    /// After authentication, a whole message whose body PostgreSQL cannot read gets PostgreSQL's ERROR and the
    /// session goes on (``rejectMessage(typeByte:_:)``); a broken frame ends it, as in PostgreSQL.
    mutating func decodingFailed(_ error: WireDecodingError, typeByte: UInt8? = nil) -> Action {
        if case .ready = state, let typeByte, let diagnostic = Self.bodyError(error, typeByte: typeByte) {
            // PostgreSQL does not read a Terminate's body.
            guard typeByte != UInt8(ascii: "X") else { return closeQuietly() }
            return .rejectMessage(typeByte: typeByte, diagnostic)
        }
        switch state {
        case .tlsHandshake: return closeQuietly()
        // Bytes after a CancelRequest: PostgreSQL has closed the connection and reads nothing more.
        case .closed: return .none
        default: break
        }
        // PostgreSQL logs a malformed cancel packet (COMMERROR) and closes without a word: the client expects none.
        if error.messageType == "CancelRequest" { return closeQuietly() }
        switch error.reason {
        case .unknownMessageType(let typeByte):
            return unexpectedMessageType(typeByte)
        case .messageTooLong where error.messageType != nil, .invalidMessageLength where error.messageType != nil,
            .negativeLength where error.messageType != nil:
            return fail(.protocolViolation, "invalid message length")
        case .messageTooLong where error.messageType == nil, .invalidMessageLength where error.messageType == nil,
            .negativeLength where error.messageType == nil:
            return fail(.protocolViolation, "invalid length of startup packet")
        default:
            return fail(.protocolViolation, "invalid message format: \(error)")
        }
    }

    /// PostgreSQL's ERROR (08P01) for a whole message whose body `pq_getmsg…` cannot read, as PostgreSQL 15 words
    /// it; `nil` for an error in the frame itself (type byte, length), which ends the connection.
    static func bodyError(_ error: WireDecodingError, typeByte: UInt8) -> DiagnosticMessage? {
        let message: String
        switch error.reason {
        case .missingTerminator: message = "invalid string in message"
        case .trailingBytes: message = "invalid message format"
        case .truncated: message = "insufficient data left in message"
        case .negativeLength(let field, _) where field != "message length":
            message = "insufficient data left in message"
        case .invalidValue(let field, let value) where field == "object kind":
            let name = typeByte == UInt8(ascii: "C") ? "CLOSE" : "DESCRIBE"
            message = "invalid \(name) message subtype \(value)"
        case .invalidValue: message = "invalid message format"
        default: return nil
        }
        return DiagnosticMessage(severity: "ERROR", sqlState: SQLState.protocolViolation.rawValue, message: message)
    }

    /// The `onStartup` hook returned; `handled` means it took the connection over.
    mutating func startupHookCompleted(handled: Bool) -> Action {
        guard case .runningStartupHook = state else { return .none }
        if handled {
            state = .handledByHook
            return .none
        }
        return beginAuthentication()
    }

    /// The `validateCredentials` hook answered.
    mutating func credentialsValidated(_ valid: Bool) -> Action {
        guard case .validatingCredentials(let credentials) = state else { return .none }
        guard valid else {
            if case .certificate = credentials { return failCertificate() }
            return failAuthentication()
        }
        return authenticate(first: [])
    }

    /// The SCRAM verifier hook answered; `nil` means no such user.
    mutating func scramVerifierFetched(_ verifier: SCRAMVerifier?) -> Action {
        guard case .fetchingVerifier(let clientFirst, let mechanism) = state else { return .none }
        // Like PostgreSQL, an unknown user gets a mock verifier with a stable salt, so the exchange fails only at
        // the end, as cheaply as for a real user, and repeated attempts cannot tell the two apart.
        let user = connectionState.clientInfo?.user ?? ""
        var exchange = SCRAMServerExchange(
            verifier: verifier ?? SCRAMVerifier.mock(user: user, nonce: configuration.mockAuthenticationNonce),
            channelBinding: channelBinding
        )
        do {
            let serverFirst = try exchange.receiveClientFirst(clientFirst, mechanism: mechanism)
            state = .awaitingSASLResponse(exchange)
            return .send([.authentication(.saslContinue(data: ByteBuffer(bytes: serverFirst)))])
        } catch {
            return failSCRAM(error)
        }
    }

    /// The handshake or authentication took too long (PostgreSQL's `authentication_timeout`).
    mutating func timeoutFired() -> Action {
        switch state {
        case .ready, .handledByHook, .closed: return .none
        case .awaitingStartup, .tlsHandshake: return closeQuietly()
        default: return fail(.queryCanceled, "canceling authentication due to timeout")
        }
    }

    /// The client has not sent a complete StartupMessage in time: closed without a reply, as PostgreSQL does.
    mutating func startupTimeoutFired() -> Action {
        switch state {
        case .awaitingStartup, .tlsHandshake: return closeQuietly()
        default: return .none
        }
    }

    /// The connection closed.
    mutating func closed() {
        state = .closed
    }

    // MARK: Steps

    /// The TLS channel binding data, when the connection uses TLS.
    private var channelBinding: [UInt8]? {
        guard let endPoint = connectionState.tlsInfo?.tlsServerEndPoint, !endPoint.isEmpty else { return nil }
        return endPoint
    }

    private mutating func startupReceived(_ startup: StartupMessage, secured: Bool) -> Action {
        let requested = startup.protocolVersion
        guard requested.major == 3 else { return unsupportedProtocol(requested) }
        var preface: [BackendMessage] = []
        // PostgreSQL 18: 3.1 is reserved and served as 3.0; newer minors and every `_pq_.` option are negotiated down.
        let protocolOptions = startup.parameters.map(\.name).filter { $0.hasPrefix("_pq_.") }
        let version = requested.minor >= 2 ? ProtocolVersion.v3_2 : ProtocolVersion.v3_0
        if configuration.negotiatesProtocolVersion
            && (requested.minor > 2 || requested.minor == 1 || !protocolOptions.isEmpty)
        {
            preface.append(
                .negotiateProtocolVersion(
                    NegotiateProtocolVersion(
                        newestMinorVersion: version.rawValue, unrecognizedOptions: protocolOptions)
                )
            )
        }
        // A repeated parameter takes its last value, as in PostgreSQL.
        var parameters: [StartupMessage.Parameter] = []
        for parameter in startup.parameters where !parameter.name.hasPrefix("_pq_.") {
            parameters.removeAll { $0.name == parameter.name }
            parameters.append(parameter)
        }
        let clientInfo = ClientInfo(
            requestedProtocolVersion: requested,
            protocolVersion: version,
            parameters: parameters,
            sentParameters: startup.parameters
        )
        guard !clientInfo.user.isEmpty else {
            return fail(.invalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet")
        }
        // Known before the TLS check, so that a refusal's log names the user and database.
        connectionState.clientInfo = clientInfo
        if configuration.isTLSConfigured && configuration.requiresTLS && !secured {
            return fail(
                .invalidAuthorizationSpecification,
                "TLS encryption is required (connect with sslmode=require or stronger)")
        }
        if configuration.requiresClientCertificate && connectionState.tlsInfo?.peerCertificate == nil {
            return fail(.invalidAuthorizationSpecification, "connection requires a valid client certificate")
        }
        connectionState.hasStarted = true
        state = .admitting(preface: preface)
        return .checkAdmission
    }

    private mutating func beginAuthentication() -> Action {
        let user = connectionState.clientInfo?.user ?? ""
        switch configuration.authenticationMode {
        case .none:
            return authenticate(first: [])
        case .cleartextPassword:
            state = .awaitingPassword(salt: nil)
            return .send([.authentication(.cleartextPassword)])
        case .md5Password:
            let salt = (0..<4).map { _ in UInt8.random(in: 0...255, using: &random) }
            state = .awaitingPassword(salt: salt)
            return .send([.authentication(.md5Password(salt: salt))])
        case .scramSHA256:
            var mechanisms = [SCRAMMechanism.scramSHA256.rawValue]
            if channelBinding != nil {
                mechanisms.insert(SCRAMMechanism.scramSHA256Plus.rawValue, at: 0)
            }
            state = .awaitingSASLInitialResponse(mechanisms: mechanisms)
            return .send([.authentication(.sasl(mechanisms: mechanisms))])
        case .certificate:
            guard let certificate = connectionState.tlsInfo?.peerCertificate else {
                return fail(.invalidAuthorizationSpecification, "connection requires a valid client certificate")
            }
            guard certificate.commonName == user else { return failCertificate() }
            let credentials = Credentials.certificate(user: user, certificate: certificate)
            state = .validatingCredentials(credentials)
            return .validateCredentials(credentials)
        }
    }

    private mutating func passwordReceived(_ password: String, salt: [UInt8]?) -> Action {
        let user = connectionState.clientInfo?.user ?? ""
        // PostgreSQL never authenticates an empty password.
        guard salt != nil || !password.isEmpty else { return failAuthentication() }
        let credentials: Credentials =
            if let salt {
                .md5Password(user: user, hash: password, salt: salt)
            } else {
                .cleartextPassword(user: user, password: password)
            }
        state = .validatingCredentials(credentials)
        return .validateCredentials(credentials)
    }

    private mutating func authenticate(first: [BackendMessage]) -> Action {
        let clientInfo = connectionState.clientInfo!
        let keyLength = clientInfo.protocolVersion >= .v3_2 ? 32 : 4
        let keyData = BackendKeyData(
            processID: Int32.random(in: 1...Int32.max, using: &random),
            secretKey: (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &random) }
        )
        var parameters = LoginParameters.applying(
            configuration.loginParameters, to: configuration.serverParameters, user: clientInfo.user,
            database: clientInfo.database)
        let echoed = ["application_name", "client_encoding", "DateStyle", "TimeZone"]
        // The `-c name=value` switches of `options` first, as PostgreSQL applies them before the other parameters.
        let optionsText = clientInfo.parameters.last { $0.name == "options" }?.value ?? ""
        // As PostgreSQL: options it cannot apply end the connection with a FATAL.
        var known = ServerSettings.defaults
        for (name, value) in parameters { known[name] = value }
        let parameterPairs = clientInfo.parameters.map { ($0.name, $0.value) }
        if let refusal = StartupOptions.refusal(of: optionsText, settings: known)
            ?? StartupOptions.refusal(ofParameters: parameterPairs, settings: known)
        {
            state = .closed
            return .closeWithError(refusal)
        }
        let options = StartupOptions.settings(in: optionsText)
        for (name, value) in options + clientInfo.parameters.map({ ($0.name, $0.value) }) {
            guard let echoedName = echoed.first(where: { $0.lowercased() == name.lowercased() }) else { continue }
            parameters.removeAll { $0.name == echoedName }
            parameters.append((echoedName, (try? ServerSettings.validated(echoedName, value, in: [:])) ?? value))
        }
        if !parameters.contains(where: { $0.name == "application_name" }) {
            // As PostgreSQL: always reported, empty when the client did not send it.
            parameters.insert(("application_name", ""), at: 0)
        }
        parameters.append(("session_authorization", clientInfo.user))
        connectionState.isAuthenticated = true
        connectionState.backendKeyData = keyData
        state = .ready
        return .authenticated(
            send: first + [.authentication(.ok)]
                + parameters.map { .parameterStatus(ParameterStatus(name: $0.name, value: $0.value)) }
                + [.backendKeyData(keyData), .readyForQuery(.idle)]
        )
    }

    private mutating func failAuthentication() -> Action {
        fail(.invalidPassword, "password authentication failed for user \"\(connectionState.clientInfo?.user ?? "")\"")
    }

    /// PostgreSQL's FATAL for a SCRAM exchange that failed: its SQLSTATE, message and DETAIL.
    private mutating func failSCRAM(_ error: SCRAMError) -> Action {
        state = .closed
        return .closeWithError(error.serverDiagnostic(user: connectionState.clientInfo?.user ?? ""))
    }

    private mutating func failCertificate() -> Action {
        let user = connectionState.clientInfo?.user ?? ""
        return fail(.invalidAuthorizationSpecification, "certificate authentication failed for user \"\(user)\"")
    }

    private mutating func fail(_ code: SQLState, _ message: String) -> Action {
        state = .closed
        return .closeWithError(DiagnosticMessage(severity: "FATAL", sqlState: code.rawValue, message: message))
    }

    /// PostgreSQL's answer to a protocol version it does not serve.
    /// A version before 3.0 gets the pre-3.0 error format, which such a client can read.
    private mutating func unsupportedProtocol(_ version: ProtocolVersion) -> Action {
        state = .closed
        return .closeWithError(.unsupportedProtocolVersion(version, newest: .v3_2))
    }

    private mutating func closeQuietly() -> Action {
        state = .closed
        return .close
    }
}
