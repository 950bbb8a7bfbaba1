import NIOConcurrencyHelpers
import NIOCore
import PostgresWire

/// A script's strict conversation, played on every connection once it is authenticated: the client must send
/// exactly the `F` messages, in order; after each, the server sends the `B` messages that follow it (the `B`
/// messages before the first `F` go out right after login). Any other message ends the connection with
/// `FATAL 08P01` naming the line expected and the message received, and is reported by ``verificationReport()``,
/// as is a connection that ended before the conversation did (a last `F Terminate` may be left out: the connection
/// closes on it).
///
/// Leading startup-phase lines (StartupMessage through the first ReadyForQuery, as `pgw decode` prints a whole
/// session) are skipped: login follows the server's settings. ``replaceSteps(_:)`` (a reloaded script) changes the
/// conversation of connections that log in afterwards; connections already in one finish the one they started.
/// Every connection's progress is kept until the server stops, for the report, so the mode is meant for
/// driver-level tests with few connections.
public final class StrictConversation: Sendable {
    /// One connection's progress in the conversation it started with.
    private struct Progress {
        var number: Int
        var steps: [ConversationStep]
        var next = 0
        var deviation: String?
    }

    /// The conversation of connections that log in next, every connection's progress, and the connections (kept
    /// so that their identifiers stay unique until the report).
    private struct State {
        var steps: [ConversationStep]
        var connections: [ObjectIdentifier: Progress] = [:]
        var kept: [PostgresServerConnection] = []
    }

    private let state: NIOLockedValueBox<State>

    /// The steps after the startup phase that connections logging in now follow.
    public var steps: [ConversationStep] { state.withLockedValue { $0.steps } }

    /// A conversation of `steps` (startup-phase lines at the start are dropped).
    public init(steps: [ConversationStep]) {
        state = NIOLockedValueBox(State(steps: Self.withoutStartup(steps)))
    }

    /// Replaces the conversation for connections that log in from now on (a reloaded script); startup-phase lines
    /// at the start are dropped.
    public func replaceSteps(_ steps: [ConversationStep]) {
        let steps = Self.withoutStartup(steps)
        state.withLockedValue { $0.steps = steps }
    }

    /// `steps` without a leading startup phase (StartupMessage or SSLRequest … ReadyForQuery).
    private static func withoutStartup(_ steps: [ConversationStep]) -> [ConversationStep] {
        let startupTypes: Set<String> = ["StartupMessage", "SSLRequest", "GSSENCRequest"]
        guard let first = steps.first, first.sender == .frontend,
            startupTypes.contains(first.message.message?.typeName ?? ""),
            let ready = steps.firstIndex(where: { $0.message.message?.typeName == "ReadyForQuery" })
        else { return steps }
        return Array(steps[(ready + 1)...])
    }

    /// `hooks` with the conversation answering every message once a client is authenticated.
    public func hooks(_ hooks: PostgresServerConnectionHooks) -> PostgresServerConnectionHooks {
        var hooks = hooks
        hooks.onAuthenticated = { connection in
            let bytes = self.begin(connection)
            if bytes.readableBytes > 0 { try await connection.sendData(bytes) }
        }
        hooks.onMessage = { message, raw, connection in
            switch self.receive(message, raw: raw, from: connection) {
            case .success(let bytes):
                if bytes.readableBytes > 0 { try await connection.sendData(bytes) }
            case .failure(let deviation):
                try await connection.sendError(
                    severity: "FATAL", code: "08P01", message: "pgw: strict conversation: \(deviation.message)")
                try await connection.close()
            }
            return true
        }
        return hooks
    }

    /// A message the conversation did not expect.
    struct Deviation: Error {
        var message: String
    }

    /// Starts a connection's conversation: the server's first messages.
    private func begin(_ connection: PostgresServerConnection) -> ByteBuffer {
        state.withLockedValue { state in
            var entry = Progress(number: state.kept.count + 1, steps: state.steps)
            state.kept.append(connection)
            let bytes = Self.serverMessages(of: entry.steps, from: &entry.next)
            state.connections[ObjectIdentifier(connection)] = entry
            return bytes
        }
    }

    /// The server's answer to one client message, or why the message is not the one expected.
    private func receive(_ message: FrontendMessage, raw: ByteBuffer, from connection: PostgresServerConnection)
        -> Result<ByteBuffer, Deviation>
    {
        state.withLockedValue { state in
            let key = ObjectIdentifier(connection)
            guard var entry = state.connections[key], entry.deviation == nil else {
                return .failure(Deviation(message: "the connection already left the conversation"))
            }
            defer { state.connections[key] = entry }
            let got = "got F \(message.rendered(options: .lossless).textLine)"
            guard entry.next < entry.steps.count else {
                entry.deviation = "the conversation is over, \(got)"
                return .failure(Deviation(message: entry.deviation!))
            }
            let step = entry.steps[entry.next]
            guard step.expects(message, raw: Array(raw.readableBytesView)) else {
                entry.deviation = "line \(step.line): expected \(step.text), \(got)"
                return .failure(Deviation(message: entry.deviation!))
            }
            entry.next += 1
            return .success(Self.serverMessages(of: entry.steps, from: &entry.next))
        }
    }

    /// The `B` steps of `steps` from `index` on, up to the next `F` step, as bytes; `index` moves past them.
    private static func serverMessages(of steps: [ConversationStep], from index: inout Int) -> ByteBuffer {
        var bytes = ByteBuffer()
        while index < steps.count, steps[index].sender == .backend {
            bytes.writeImmutableBuffer(steps[index].message.bytes)
            index += 1
        }
        return bytes
    }

    /// What went differently from the conversation, by connection (numbered in login order): messages that were
    /// not the ones expected, and connections that ended (or are still open) before the conversation did.
    public func verificationReport() -> [String] {
        state.withLockedValue { state in
            state.connections.values.sorted { $0.number < $1.number }.compactMap { entry in
                if let deviation = entry.deviation { return "connection \(entry.number): \(deviation)" }
                let rest = entry.steps[entry.next...].filter { $0.message.message != .frontend(.terminate) }
                guard let missing = rest.first else { return nil }
                return "connection \(entry.number): the conversation stopped before line \(missing.line): "
                    + missing.text
            }
        }
    }
}
