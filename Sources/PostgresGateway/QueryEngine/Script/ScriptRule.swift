import NIOCore
import PostgresWire

/// One rule of a script: which statements it answers, and with what.
public struct ScriptRule: Sendable {
    /// The rule's name (for `after` and messages): the `name` key, else `line N`.
    public var name: String
    /// The script line the rule starts on.
    public var line: Int
    /// Which statements it answers.
    public var pattern: StatementPattern
    /// Only statements bound to exactly these parameter values (as text, `nil` for NULL); `nil` for any.
    public var parameters: [String?]?
    /// The types of the statement's parameters, for clients that leave them to the server (asyncpg: Parse without
    /// types, then Describe): the ParameterDescription reports them and Bind reads values by them; `nil` for the
    /// types the statement implies, else text.
    public var parameterTypes: [PostgresType]? = nil
    /// How many times it may answer at most; `nil` for any number.
    public var times: Int?
    /// The name of a rule that must have answered before this one may.
    public var after: String?
    /// What it answers.
    public var outcome: QueryOutcome
    /// Notices sent before the answer.
    public var notices: [DiagnosticMessage]
    /// How long the rule waits before answering (a CancelRequest ends the wait with 57014); `nil` for no wait.
    public var delay: TimeAmount? = nil

    /// The outcome with the rule's notices and delay.
    var answer: QueryOutcome {
        answer(withEffect: .none)
    }

    /// The outcome with the rule's notices and delay, a command outcome with `effect` on the session (the effect of
    /// the transaction control or SET statement the rule answers).
    func answer(withEffect effect: QueryOutcome.SessionEffect) -> QueryOutcome {
        var outcome = outcome
        if effect != .none, case .command(let tag, .none) = outcome { outcome = .command(tag: tag, effect: effect) }
        let answer = notices.isEmpty ? outcome : .notices(notices, then: outcome)
        return delay.map { .delayed($0, then: answer) } ?? answer
    }
}
