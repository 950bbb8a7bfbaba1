import PostgresGateway
import PostgresWire

/// `\auto-query`: answers the client's messages after startup with `pgw serve`'s engine (a ``QuerySession`` asking a
/// ``ServerEmulationResponder``), until turned off; the session's prepared statements and settings persist across.
struct REPLQueryAnswering {
    /// Whether messages are answered.
    var isOn = false
    private var session: QuerySession?
    /// The client's StartupMessage parameters and the ParameterStatus reports sent: the session's settings.
    private var startupParameters: [String: String] = [:]
    private var reportedParameters: [(name: String, value: String)] = []

    /// Notes what sets the session's settings: the client's StartupMessage, the ParameterStatus messages sent.
    mutating func observe(_ message: WireMessage) {
        switch message {
        case .frontend(.startup(let startup)):
            for parameter in startup.parameters { startupParameters[parameter.name] = parameter.value }
        case .backend(.parameterStatus(let status)):
            reportedParameters.removeAll { $0.name == status.name }
            reportedParameters.append((status.name, status.value))
        default:
            break
        }
    }

    /// The answer to `message` when on and it belongs to the query phase (startup packets are not answered here).
    mutating func answer(_ message: FrontendMessage) -> [BackendMessage] {
        guard isOn else { return [] }
        switch message {
        case .query, .parse, .bind, .describe, .execute, .close, .sync, .flush, .functionCall, .copyData, .copyDone,
            .copyFail:
            var session =
                self.session
                ?? QuerySession(
                    responder: ServerEmulationResponder(
                        serverVersion: PostgresServerConnectionConfiguration().serverVersion),
                    settings: startupParameters, reportedParameters: reportedParameters)
            defer { self.session = session }
            return session.handle(message)
        default:
            return []
        }
    }
}
