import NIOConcurrencyHelpers
import PostgresWire

/// Answers statements from a script's rules (the first rule that matches, within its `times` and `after`), then
/// like ``ServerEmulationResponder``; shared by all connections of a server, it counts which rules answered and which
/// statements no rule answered, for `--verify`.
public final class ScriptResponder: QueryResponder {
    /// Rule use and unmatched statements, across connections.
    private struct Usage {
        var rules: [ScriptRule]
        var uses: [Int]
        /// The indices of the rules that answered a Describe (with their columns): used, for `--verify`, even when no
        /// Execute followed (a statement prepared and only described, as asyncpg's COPY describes its table).
        var described: Set<Int> = []
        /// The indices of the fingerprint rules, by fingerprint, so a statement is compared with its candidates only.
        var byFingerprint: [String: [Int]] = [:]
        /// The indices of the other rules (regex, exact), which every statement is compared with.
        var unindexed: [Int] = []
        var unmatched: [String] = []
        var unmatchedSeen: Set<String> = []

        /// Whether the rule at `index` may answer now: not used up (`times`), and its `after` rule has answered.
        func isAvailable(_ index: Int) -> Bool {
            let rule = rules[index]
            if let times = rule.times, uses[index] >= times { return false }
            guard let after = rule.after else { return true }
            return rules.indices.contains { rules[$0].name == after && uses[$0] > 0 }
        }

        init(rules: [ScriptRule]) {
            self.rules = rules
            self.uses = Array(repeating: 0, count: rules.count)
            for (index, rule) in rules.enumerated() {
                if case .fingerprint(let fingerprint, _, _) = rule.pattern {
                    byFingerprint[fingerprint, default: []].append(index)
                } else {
                    unindexed.append(index)
                }
            }
        }
    }

    /// At most this many distinct unmatched statements are remembered for the report.
    private static let unmatchedLimit = 1_000
    private let fallback: ServerEmulationResponder
    private let usage: NIOLockedValueBox<Usage>
    /// Called with every statement answered (not for Describe), on the connection's event loop.
    private let record: (@Sendable (StatementRecord) -> Void)?

    /// A responder for `rules`, answering anything else as `fallback` does; `record` sees every statement.
    public init(
        rules: [ScriptRule], fallback: ServerEmulationResponder, record: (@Sendable (StatementRecord) -> Void)? = nil
    ) {
        self.fallback = fallback
        self.record = record
        self.usage = NIOLockedValueBox(Usage(rules: rules))
    }

    /// Replaces the rules (a reloaded script); their use counts start over.
    public func replaceRules(_ rules: [ScriptRule]) {
        usage.withLockedValue { $0 = Usage(rules: rules) }
    }

    public func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome {
        outcome(of: statement, parameters: parameters, parameterTypes: [], settings: settings)
    }

    public func outcome(
        of statement: String, parameters: [String?], parameterTypes: [UInt32], settings: [String: String]
    ) -> QueryOutcome {
        let parsed: ParsedStatement?
        var syntaxError: SQLSyntaxError?
        do {
            parsed = try SQLParser.parse(statement)
        } catch {
            parsed = nil
            syntaxError = error
        }
        // Values written into the statement count as its parameters when none are bound.
        let values = parameters.isEmpty ? parsed?.constants ?? [] : parameters
        let types = parameters.isEmpty ? parsed?.constantTypes ?? [] : parameterTypes.map(PostgresType.known(oid:))
        let (claimed, shapedByRule, failure) = claimRule(
            for: statement, parameters: values, types: types, settings: settings)
        if let failure {
            record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "unmatched"))
            return .error(failure)
        }
        if let rule = claimed {
            record?(StatementRecord(statement: statement, parameters: parameters, rule: rule.name, answeredBy: "rule"))
            // A rule's tag for BEGIN, COMMIT, SET… still changes the session as PostgreSQL's statement would.
            guard let parsed, parsed.kind.isSessionControl,
                case .command(_, let effect)? = fallback.answer(
                    to: parsed, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
            else {
                return rule.answer(withEffect: .none, settings: settings)
            }
            return rule.answer(withEffect: effect, settings: settings)
        }
        if shapedByRule == nil, let syntaxError {
            // PostgreSQL's error whatever `unmatched` says, but no rule expected the statement.
            refuse(statement, parameters: parameters, syntaxError: syntaxError)
            return .error(syntaxError.diagnostic())
        }
        if shapedByRule == nil,
            let answer = parsed.flatMap({
                fallback.answer(
                    to: $0, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
            })
        {
            record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "session"))
            return answer
        }
        record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "unmatched"))
        // What `--verify` reports: the statement, its values, and why no rule answers it: a rule that would but is
        // used up or waits for another (`blocked`), else one that answers it for other values.
        var reason = blockedRule(for: statement, parameters: values, types: types, settings: settings).map(
            Self.reason(blocking:))
        if reason == nil, let rule = shapedByRule, let expected = rule.parameters {
            let given = parameters.isEmpty ? "its values \(ScriptRule.list(values)); " : ""
            reason = "\(given)\(rule.label) answers \(ScriptRule.list(expected))"
        }
        countUnmatched(statement, parameters: parameters, reason: reason)
        if let columns = shapedByRule?.outcome.resultColumns, fallback.unmatched != .error {
            // A rule answers this statement for other parameter values: no rows, in the shape Describe announced,
            // with the statement's own tag (INSERT 0 0 for an INSERT … RETURNING).
            return .result(columns: columns, rows: [], tag: parsed?.tag ?? "SELECT 0")
        }
        return fallback.unmatchedOutcome(
            of: parsed ?? ParsedStatement(unparsedLength: statement.utf8.count), statement: statement,
            parameters: parameters, reason: reason)
    }

    public func refuse(_ statement: String, syntaxError error: SQLSyntaxError) {
        refuse(statement, parameters: [], syntaxError: error)
    }

    /// A statement that does not parse (`error`): logged and counted for `--verify` as no rule answered it.
    private func refuse(_ statement: String, parameters: [String?], syntaxError error: SQLSyntaxError) {
        record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "unmatched"))
        countUnmatched(statement, parameters: parameters, reason: "\(error.sqlState) \(error.message)")
    }

    /// Remembers `statement` with `parameters` for `--verify`'s report, with `reason` (why no rule answers it).
    private func countUnmatched(_ statement: String, parameters: [String?], reason: String?) {
        var description = statement
        if !parameters.isEmpty { description += " with parameters " + ScriptRule.list(parameters) }
        if let reason { description += " (\(reason))" }
        usage.withLockedValue { usage in
            if usage.unmatched.count < Self.unmatchedLimit, usage.unmatchedSeen.insert(description).inserted {
                usage.unmatched.append(description)
            }
        }
    }

    /// Why `blocked` did not answer a statement it matches: `rule at line 3 already answered 1 time, times: 1`, or
    /// `rule at line 11 waits for rule 'login'`.
    private static func reason(blocking blocked: (rule: ScriptRule, uses: Int)) -> String {
        let (rule, uses) = blocked
        if let times = rule.times, uses >= times {
            return "\(rule.label) already answered \(uses) time\(uses == 1 ? "" : "s"), times: \(times)"
        }
        return "\(rule.label) waits for rule '\(rule.after ?? "")'"
    }

    public func sessionAnswered(_ statement: String, parameters: [String?]) {
        record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "session"))
    }

    public func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]? {
        resultColumns(of: statement, parameterTypes: [], settings: settings)
    }

    public func resultColumns(of statement: String, parameterTypes: [UInt32], settings: [String: String])
        -> [ResultColumn]?
    {
        if let rule = claimRule(for: statement, parameters: nil).shape { return rule.outcome.resultColumns }
        return fallback.resultColumns(of: statement, parameterTypes: parameterTypes, settings: settings)
    }

    /// The `param_types` of the first rule that matches `statement` and has them (used up or not: the types stay
    /// the statement's).
    public func parameterTypes(of statement: String) -> [UInt32] {
        guard usage.withLockedValue({ $0.rules.contains { $0.parameterTypes != nil } }) else { return [] }
        let fingerprint = SQLParser.cachedFingerprint(statement)
        return usage.withLockedValue { usage in
            let rule = usage.rules.first {
                $0.parameterTypes != nil && (try? $0.pattern.matches(statement, fingerprint: { fingerprint })) == true
            }
            return rule?.parameterTypes?.map(\.oid) ?? []
        }
    }

    /// The first rule that answers `statement` with `parameters` now, counted as used (`parameters` `nil`: not
    /// bound yet, none is claimed); else the first that would answer it with other parameter values (whose shape
    /// an unmatched statement takes). One pass under the lock (after a look whether there are rules at all); none
    /// when no rule can match. A rule's `params` are compared with `parameters` as ``takes(_:_:types:settings:)``
    /// says. A rule's regular expression that takes too long fails the statement (`failure`).
    private func claimRule(
        for statement: String, parameters: [String?]?, types: [PostgresType?] = [], settings: [String: String] = [:]
    ) -> (claimed: ScriptRule?, shape: ScriptRule?, failure: DiagnosticMessage?) {
        // Without rules the statement needs no fingerprint (computed outside the lock: it may have to be parsed).
        guard usage.withLockedValue({ !$0.byFingerprint.isEmpty || !$0.unindexed.isEmpty }) else {
            return (nil, nil, nil)
        }
        let fingerprint = SQLParser.cachedFingerprint(statement)
        return usage.withLockedValue { usage in
            let indexed = fingerprint.flatMap { usage.byFingerprint[$0] } ?? []
            guard !indexed.isEmpty || !usage.unindexed.isEmpty else { return (nil, nil, nil) }
            var shape: ScriptRule?
            // The candidates in script order: the two sorted index lists merged.
            var (nextIndexed, nextUnindexed) = (0, 0)
            while nextIndexed < indexed.count || nextUnindexed < usage.unindexed.count {
                let index: Int
                if nextUnindexed == usage.unindexed.count
                    || (nextIndexed < indexed.count && indexed[nextIndexed] < usage.unindexed[nextUnindexed])
                {
                    index = indexed[nextIndexed]
                    nextIndexed += 1
                } else {
                    index = usage.unindexed[nextUnindexed]
                    nextUnindexed += 1
                }
                guard usage.isAvailable(index) else { continue }
                let rule = usage.rules[index]
                do {
                    guard try rule.pattern.matches(statement, fingerprint: { fingerprint }) else { continue }
                } catch {
                    return (nil, nil, Self.timeLimitFailure(of: rule))
                }
                guard let parameters else {
                    usage.described.insert(index)
                    return (nil, rule, nil)
                }
                if Self.takes(rule, parameters, types: types, settings: settings) {
                    usage.uses[index] += 1
                    return (rule, shape, nil)
                }
                if shape == nil { shape = rule }
            }
            return (nil, shape, nil)
        }
    }

    /// The first rule that would answer `statement` with `parameters` but is used up (`times`) or waits for another
    /// (`after`), with its use count: why no rule answered the statement (looked for only then).
    private func blockedRule(
        for statement: String, parameters: [String?], types: [PostgresType?], settings: [String: String]
    ) -> (rule: ScriptRule, uses: Int)? {
        guard usage.withLockedValue({ !$0.byFingerprint.isEmpty || !$0.unindexed.isEmpty }) else { return nil }
        let fingerprint = SQLParser.cachedFingerprint(statement)
        return usage.withLockedValue { usage in
            let indexed = fingerprint.flatMap { usage.byFingerprint[$0] } ?? []
            for index in (indexed + usage.unindexed).sorted() where !usage.isAvailable(index) {
                let rule = usage.rules[index]
                if (try? rule.pattern.matches(statement, fingerprint: { fingerprint })) == true,
                    Self.takes(rule, parameters, types: types, settings: settings)
                {
                    return (rule, usage.uses[index])
                }
            }
            return nil
        }
    }

    /// Whether `rule`'s `params` (if it has any) take `parameters`, compared by ``RuleParameterComparison`` by the
    /// rule's `param_types` or else `types` (the values' types where known) in the session's `settings`.
    private static func takes(
        _ rule: ScriptRule, _ parameters: [String?], types: [PostgresType?], settings: [String: String]
    ) -> Bool {
        rule.parameters.map {
            RuleParameterComparison.matches(
                $0, parameters, types: rule.parameterTypes?.map { Optional($0) } ?? types, settings: settings)
        } ?? true
    }

    /// The error of a statement that `rule`'s regular expression took longer than ``RuleRegex/timeLimit`` to match.
    private static func timeLimitFailure(of rule: ScriptRule) -> DiagnosticMessage {
        DiagnosticMessage(
            severity: "ERROR", sqlState: "54000",
            message: "the regular expression of rule '\(rule.name)' (line \(rule.line)) took more than "
                + "\(RuleRegex.timeLimit.nanoseconds / 1_000_000) ms to match this statement",
            hint: "A pattern with nested repetition, such as (a+)+, can take exponential time; rewrite it.")
    }

    /// What `--verify` reports: statements no rule answered (session plumbing aside) and rules never used (to answer
    /// a statement or a Describe).
    public func verificationReport() -> (unmatchedStatements: [String], unusedRules: [ScriptRule]) {
        usage.withLockedValue { usage in
            (
                usage.unmatched,
                usage.rules.indices.filter { usage.uses[$0] == 0 && !usage.described.contains($0) }.map {
                    usage.rules[$0]
                }
            )
        }
    }
}
