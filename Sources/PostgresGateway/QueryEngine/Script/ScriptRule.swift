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
    /// The rows' values as the script writes them, kept for a rule with `date`, `timestamp` or `timestamptz`
    /// columns: a session whose `TimeZone` or `DateStyle` is not the default reads them again (a timestamptz without
    /// an offset is a time in the session's zone) and prints them its way; `nil` for other rules.
    var writtenRows: [[String?]]? = nil

    /// How messages name the rule: `rule 'login' at line 7`, or `rule at line 3` for one without a `name`.
    public var label: String {
        name == "line \(line)" ? "rule at line \(line)" : "rule '\(name)' at line \(line)"
    }

    /// What the rule answers, on one line, for reports: its pattern and, when it has them, its `params`
    /// (`select … where id = $1 with parameters ["1"]`).
    public var matchText: String {
        OneLineText.escaped(pattern.text) + (parameters.map { " with parameters " + Self.list($0) } ?? "")
    }

    /// Values as a script writes them (quoted and escaped as recorded scripts quote them): `["1", null]`.
    static func list(_ values: [String?]) -> String {
        "[" + values.map { $0.map { RenderedValue.string($0).jsonText } ?? "null" }.joined(separator: ", ") + "]"
    }

    /// The outcome with the rule's notices and delay.
    var answer: QueryOutcome {
        answer(withEffect: .none)
    }

    /// The outcome with the rule's notices and delay, a command outcome with `effect` on the session (the effect of
    /// the transaction control or SET statement the rule answers), its dates and times as a session with `settings`
    /// reads and prints them (``writtenRows``).
    func answer(withEffect effect: QueryOutcome.SessionEffect, settings: [String: String] = [:]) -> QueryOutcome {
        var outcome = outcome
        if let writtenRows {
            let output = OutputSettings(settings)
            if output.timeZone != OutputSettings.standard.timeZone || output.dateStyle != .iso {
                outcome = outcome.mappingResult { columns, rows, tag in
                    .result(columns: columns, rows: Self.read(writtenRows, of: columns, as: rows, output), tag: tag)
                }
            }
        }
        if effect != .none, case .command(let tag, .none) = outcome { outcome = .command(tag: tag, effect: effect) }
        let answer = notices.isEmpty ? outcome : .notices(notices, then: outcome)
        return delay.map { .delayed($0, then: answer) } ?? answer
    }

    /// The rows of a rule with date and time columns for a session with `output` settings: each such value as the
    /// session's input function reads `written` and its output function prints it (the value read at load, in
    /// `rows`, when the engine does not compute it).
    private static func read(
        _ written: [[String?]], of columns: [ResultColumn], as rows: [[String?]], _ output: OutputSettings
    ) -> [[String?]] {
        let evaluator = ConstantEvaluator(
            settings: [:], parameters: [], parameterTypes: [], serverVersion: "", output: output)
        let dateColumns = columns.indices.filter { [.date, .timestamp, .timestamptz].contains(columns[$0].type) }
        var result = rows
        for (index, row) in written.enumerated() where index < result.count {
            for column in dateColumns where column < row.count {
                guard let value = row[column] else { continue }
                let typed = try? evaluator.cast(EvaluatedValue(text: value, type: .text), to: columns[column].type)
                if let typed, let printed = try? evaluator.outputText(of: typed) { result[index][column] = printed }
            }
        }
        return result
    }
}
