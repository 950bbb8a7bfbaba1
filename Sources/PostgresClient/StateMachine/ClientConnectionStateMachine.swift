import NIOCore
import PostgresAuthentication
import PostgresTLS
import PostgresWire

/// The client side of a connection's opening as a pure state machine, as libpq runs it: GSSENCRequest and
/// SSLRequest negotiation (or direct TLS), the StartupMessage, authentication (trust, cleartext, md5,
/// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS), ParameterStatus, BackendKeyData and NegotiateProtocolVersion, up to
/// the first ReadyForQuery.
///
/// Events go in (the connection is up, a message arrived, TLS is up, the connection closed); actions come out.
/// It does no I/O, so every path is tested without sockets; ``PostgresClientChannelHandler`` drives it.
struct ClientConnectionStateMachine {
    /// What the driver must do next.
    enum Action: Equatable {
        /// Nothing; read on.
        case none
        /// Send these messages, in order.
        case send([FrontendMessage])
        /// Start the TLS handshake (after `S`, or at once for direct TLS).
        case startTLS
        /// The connection is open: hand it over with what the server said.
        case ready(ServerSession)
        /// Give up this attempt and close.
        case fail(PostgresClientError.Reason)
    }

    private enum State {
        case initial
        case awaitingGSSResponse
        case awaitingSSLResponse
        case tlsHandshake
        /// Waiting for an authentication request, or for the next step of the one under way.
        case authenticating(Exchange)
        /// Authenticated: collecting ParameterStatus and BackendKeyData until ReadyForQuery.
        case awaitingReadyForQuery
        case ready
        case failed
    }

    /// Where an authentication exchange stands.
    private enum Exchange {
        case notStarted
        case passwordSent
        case scram(SCRAMClientExchange)
        case scramFinished
    }

    private let configuration: ClientStartupConfiguration
    private var state = State.initial
    private var session: ServerSession
    /// Whether the client completed an authentication exchange (libpq's `client_finished_auth`).
    private var finishedAuthentication = false
    /// The messages received so far; a server that never finishes the opening is cut off at
    /// ``maximumOpeningMessages`` instead of filling memory with notices and parameters.
    private var receivedCount = 0

    /// The most messages the opening may take (PostgreSQL sends about twenty).
    static let maximumOpeningMessages = 10_000

    /// A machine about to open a connection as `configuration` says.
    init(configuration: ClientStartupConfiguration) {
        self.configuration = configuration
        self.session = ServerSession(protocolVersion: configuration.maximumProtocolVersion)
    }

    /// Whether TLS is up.
    var isEncrypted: Bool { session.tlsInfo != nil }

    // MARK: Events

    /// The transport is connected.
    mutating func connected() -> Action {
        guard case .initial = state else { return protocolViolation("connected twice") }
        if configuration.requestsGSSEncryption {
            state = .awaitingGSSResponse
            return .send([.gssENCRequest])
        }
        return startSecuring()
    }

    /// The TLS handshake completed.
    mutating func tlsEstablished(_ info: TLSConnectionInfo) -> Action {
        guard case .tlsHandshake = state else { return protocolViolation("TLS established unexpectedly") }
        if configuration.tlsStart == .direct && info.alpnProtocol != "postgresql" {
            return fail(
                .protocolViolation("direct SSL connection was established without ALPN protocol negotiation extension"))
        }
        session.tlsInfo = info
        return sendStartup()
    }

    /// The connection closed (or failed) before the machine finished.
    mutating func closed() -> Action {
        switch state {
        case .ready, .failed: return .none
        default: return fail(.closed)
        }
    }

    /// What to do with the bytes at the front of `bytes` before they are decoded as messages.
    enum Screening: Equatable {
        /// Decode them.
        case decode
        /// Wait for more bytes.
        case needMoreBytes
        /// Give up, as the action says.
        case act(Action)
    }

    /// The longest error message accepted while connecting (libpq's `MAX_ERRLEN`).
    static let maximumOpeningErrorLength = 30_000

    /// Looks at what the server sent before it is decoded, as libpq looks at it while connecting
    /// (`PQconnectPoll`): the answer to SSLRequest must be `S` or `N` (an `E` is an error the server sent before it
    /// was authenticated, so its text is not shown); while waiting for authentication, only `R`, `v` and `E` may
    /// come, with a plausible length; an `E` with an implausible length is a pre-3.0 error, a NUL-terminated text
    /// (what the postmaster sends when it cannot fork a backend), reported as the server's text.
    mutating func screen(_ bytes: ByteBuffer) -> Screening {
        guard let type = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return .needMoreBytes }
        let character = String(decoding: [type], as: UTF8.self)
        switch state {
        case .awaitingSSLResponse:
            switch type {
            case UInt8(ascii: "S"), UInt8(ascii: "N"): return .decode
            case UInt8(ascii: "E"): return .act(protocolViolation("server sent an error response during SSL exchange"))
            default: return .act(protocolViolation("received invalid response to SSL negotiation: \(character)"))
            }
        case .authenticating:
            guard [UInt8(ascii: "R"), UInt8(ascii: "v"), UInt8(ascii: "E")].contains(type) else {
                return .act(
                    protocolViolation("expected authentication request from server, but received \(character)"))
            }
            guard let length = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt32.self) else {
                return .needMoreBytes
            }
            switch type {
            case UInt8(ascii: "R") where !(8...2000).contains(length):
                return .act(protocolViolation("received invalid authentication request"))
            case UInt8(ascii: "v") where !(8...2000).contains(length):
                return .act(protocolViolation("received invalid protocol negotiation message"))
            case UInt8(ascii: "E") where !(8...UInt32(Self.maximumOpeningErrorLength)).contains(length):
                return legacyError(bytes)
            default:
                return .decode
            }
        default:
            return .decode
        }
    }

    /// A pre-3.0 error: the text after `E` up to its NUL, or waiting for it (at most libpq's `MAX_ERRLEN`).
    private mutating func legacyError(_ bytes: ByteBuffer) -> Screening {
        let text = bytes.readableBytesView.dropFirst()
        guard let end = text.firstIndex(of: 0) else {
            guard text.count <= Self.maximumOpeningErrorLength else {
                return .act(protocolViolation("received invalid error message"))
            }
            return .needMoreBytes
        }
        var message = String(decoding: text[..<end], as: UTF8.self)
        while message.hasSuffix("\n") { message.removeLast() }
        return .act(fail(.legacyServerError(message)))
    }

    /// A message from the server.
    mutating func received(_ message: BackendMessage) -> Action {
        receivedCount += 1
        guard receivedCount <= Self.maximumOpeningMessages else {
            return protocolViolation(
                "the server sent more than \(Self.maximumOpeningMessages) messages while connecting")
        }
        switch (state, message) {
        case (.awaitingGSSResponse, .gssENCResponse(let accepted)):
            return accepted ? fail(.gssEncryptionUnsupported) : startSecuring()
        case (.awaitingSSLResponse, .sslResponse(accepted: true)):
            state = .tlsHandshake
            return .startTLS
        case (.awaitingSSLResponse, .sslResponse(accepted: false)):
            guard case .sslRequest(required: false) = configuration.tlsStart else { return fail(.tlsRequired) }
            return sendStartup()
        case (.awaitingGSSResponse, .errorResponse(let error)), (.awaitingSSLResponse, .errorResponse(let error)),
            (.authenticating, .errorResponse(let error)), (.awaitingReadyForQuery, .errorResponse(let error)):
            return fail(.server(error))
        case (.authenticating(.notStarted), .negotiateProtocolVersion(let negotiation)):
            return negotiate(negotiation)
        case (.authenticating(let exchange), .authentication(let request)):
            return authenticate(request, exchange: exchange)
        case (.authenticating, .noticeResponse(let notice)), (.awaitingReadyForQuery, .noticeResponse(let notice)):
            session.notices.append(notice)
            return .none
        case (.awaitingReadyForQuery, .parameterStatus(let status)):
            session.parameters[status.name] = status.value
            return .none
        case (.awaitingReadyForQuery, .backendKeyData(let key)):
            session.backendKey = key
            return .none
        case (.awaitingReadyForQuery, .readyForQuery(let status)):
            guard configuration.targetSessionAttributes.accepts(session.parameters) else {
                return fail(.sessionRejected(configuration.targetSessionAttributes.rejection))
            }
            session.transactionStatus = status
            state = .ready
            return .ready(session)
        case (.authenticating, _):
            return protocolViolation("expected authentication request from server, but received \(message.typeName)")
        default:
            return protocolViolation("unexpected \(message.typeName) while connecting")
        }
    }

    // MARK: Steps

    private mutating func startSecuring() -> Action {
        switch configuration.tlsStart {
        case .none:
            return sendStartup()
        case .sslRequest:
            state = .awaitingSSLResponse
            return .send([.sslRequest])
        case .direct:
            state = .tlsHandshake
            return .startTLS
        }
    }

    private mutating func sendStartup() -> Action {
        state = .authenticating(.notStarted)
        return .send([
            .startup(
                StartupMessage(
                    protocolVersion: configuration.maximumProtocolVersion, parameters: configuration.parameters))
        ])
    }

    /// NegotiateProtocolVersion, as libpq 18 handles it: a lower minor version within `min_protocol_version` is
    /// accepted; protocol options (pgw requests none) are refused. PostgreSQL sends the whole version number
    /// (`3 << 16 | minor`) where the documentation says the minor version; both are understood.
    private mutating func negotiate(_ negotiation: NegotiateProtocolVersion) -> Action {
        let value = negotiation.newestMinorVersion
        let offered =
            value > UInt32(UInt16.max)
            ? ProtocolVersion(rawValue: value) : ProtocolVersion(major: 3, minor: UInt16(value))
        guard offered < configuration.maximumProtocolVersion else {
            return protocolViolation(
                "received invalid protocol negotiation message: server requested downgrade to a higher-numbered version"
            )
        }
        guard negotiation.unrecognizedOptions.isEmpty else {
            return protocolViolation(
                "received invalid protocol negotiation message: server reported an unsupported parameter that was "
                    + "not requested (\"\(negotiation.unrecognizedOptions[0])\")")
        }
        guard offered >= configuration.minimumProtocolVersion else {
            return fail(
                .protocolViolation(
                    "server only supports protocol version \(offered), but min_protocol_version was set to "
                        + "\(configuration.minimumProtocolVersion)"))
        }
        session.protocolVersion = offered
        return .none
    }

    private mutating func authenticate(_ request: Authentication, exchange: Exchange) -> Action {
        if let refusal = refusal(of: request) {
            return fail(.authentication(refusal))
        }
        switch (request, exchange) {
        case (.ok, .scram):
            return fail(.authentication("server sent AuthenticationOk before the SCRAM exchange completed"))
        case (.ok, _):
            state = .awaitingReadyForQuery
            return .none
        case (.cleartextPassword, .notStarted):
            session.authenticationMethod = .password
            guard let password = usablePassword else { return fail(.passwordNeeded) }
            finishedAuthentication = true
            state = .authenticating(.passwordSent)
            return .send([.password(PasswordMessage(password: password))])
        case (.md5Password(let salt), .notStarted):
            session.authenticationMethod = .md5
            guard let password = usablePassword else { return fail(.passwordNeeded) }
            finishedAuthentication = true
            state = .authenticating(.passwordSent)
            let response = MD5Password.clientResponse(user: configuration.user, password: password, salt: salt)
            return .send([.password(PasswordMessage(password: response))])
        case (.sasl(let mechanisms), .notStarted):
            session.authenticationMethod = .scramSHA256
            return startSCRAM(offered: mechanisms)
        case (.saslContinue(let data), .scram(var scram)):
            do {
                let response = try scram.receiveServerFirst(Array(buffer: data))
                state = .authenticating(.scram(scram))
                return .send([.saslResponse(SASLResponse(data: ByteBuffer(bytes: response)))])
            } catch {
                return fail(.authentication(Self.describe(error)))
            }
        case (.saslFinal(let data), .scram(var scram)):
            do {
                try scram.receiveServerFinal(Array(buffer: data))
            } catch {
                return fail(.authentication(Self.describe(error)))
            }
            finishedAuthentication = true
            session.isChannelBound = scram.mechanism == .scramSHA256Plus
            state = .authenticating(.scramFinished)
            return .none
        case (.kerberosV5, _):
            return fail(.authentication("Kerberos 5 authentication not supported"))
        case (.gss, _), (.gssContinue, _):
            return fail(.authentication("GSSAPI authentication not supported"))
        case (.sspi, _):
            return fail(.authentication("SSPI authentication not supported"))
        default:
            return protocolViolation("unexpected \(request.typeName) during authentication")
        }
    }

    /// libpq's `check_expected_areq`: `require_auth` and `channel_binding=require` refusals.
    private func refusal(of request: Authentication) -> String? {
        let requirement = configuration.requiredAuthentication
        if !requirement.allowsAll {
            let (method, reason): (AuthenticationMethod, String) =
                switch request {
                case .ok: (.none, "server did not complete authentication")
                case .cleartextPassword: (.password, "server requested a cleartext password")
                case .md5Password: (.md5, "server requested a hashed password")
                case .gss, .gssContinue, .kerberosV5: (.gss, "server requested GSSAPI authentication")
                case .sspi: (.sspi, "server requested SSPI authentication")
                case .sasl, .saslContinue, .saslFinal: (.scramSHA256, "server requested SASL authentication")
                }
            let allowed =
                request == .ok
                ? finishedAuthentication || requirement.allowed.contains(.none) : requirement.allowed.contains(method)
            if !allowed {
                return "authentication method requirement \"\(requirement.text)\" failed: \(reason)"
            }
        }
        if configuration.channelBinding == .require {
            switch request {
            case .sasl, .saslContinue, .saslFinal:
                break
            case .ok where !session.isChannelBound:
                return "channel binding required, but server authenticated client without channel binding"
            case .ok:
                break
            default:
                return "channel binding required but not supported by server's authentication request"
            }
        }
        return nil
    }

    /// libpq's `pg_SASL_init`: SCRAM-SHA-256-PLUS over TLS unless `channel_binding=disable`, else SCRAM-SHA-256;
    /// `channel_binding=require` without TLS fails first.
    private mutating func startSCRAM(offered mechanisms: [String]) -> Action {
        if configuration.channelBinding == .require && session.tlsInfo == nil {
            return fail(.authentication("channel binding required, but SSL not in use"))
        }
        let binding = configuration.channelBinding == .disable ? nil : session.tlsInfo?.tlsServerEndPoint
        var selected: SCRAMMechanism?
        for mechanism in mechanisms {
            if mechanism == SCRAMMechanism.scramSHA256Plus.rawValue {
                guard session.tlsInfo != nil else {
                    return fail(
                        .authentication("server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection"))
                }
                if binding != nil { selected = .scramSHA256Plus }
            } else if mechanism == SCRAMMechanism.scramSHA256.rawValue && selected == nil {
                selected = .scramSHA256
            }
        }
        guard let selected else {
            return fail(.authentication("none of the server's SASL authentication mechanisms are supported"))
        }
        if configuration.channelBinding == .require && selected != .scramSHA256Plus {
            return fail(
                .authentication(
                    "channel binding is required, but server did not offer an authentication method that supports "
                        + "channel binding"))
        }
        guard let password = usablePassword else { return fail(.passwordNeeded) }
        let scram = SCRAMClientExchange(password: password, mechanism: selected, channelBinding: binding)
        session.saslMechanism = selected.rawValue
        state = .authenticating(.scram(scram))
        return .send([
            .saslInitialResponse(
                SASLInitialResponse(mechanism: selected.rawValue, data: ByteBuffer(bytes: scram.clientFirstMessage)))
        ])
    }

    private var usablePassword: String? {
        configuration.password.flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func describe(_ error: SCRAMError) -> String {
        switch error {
        case .invalidServerSignature: "incorrect server signature"
        case .serverError(let message): "error received from server in SCRAM exchange: \(message)"
        default: error.description
        }
    }

    private mutating func protocolViolation(_ message: String) -> Action {
        fail(.protocolViolation(message))
    }

    private mutating func fail(_ reason: PostgresClientError.Reason) -> Action {
        state = .failed
        return .fail(reason)
    }
}
