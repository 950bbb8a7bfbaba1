import NIOConcurrencyHelpers

/// Answers statements from a script's rules (the first rule that matches, within its `times` and `after`), then
/// like ``ServerEmulationResponder``; shared by all connections of a server, it counts which rules answered and which
/// statements no rule answered, for `--verify`.
public final class ScriptResponder: QueryResponder {
    /// Rule use and unmatched statements, across connections.
    private struct Usage {
        var rules: [ScriptRule]
        var uses: [Int]
        /// The indices of the fingerprint rules, by fingerprint, so a statement is compared with its candidates only.
        var byFingerprint: [String: [Int]] = [:]
        /// The indices of the other rules (regex, exact), which every statement is compared with.
        var unindexed: [Int] = []
        var unmatched: [String] = []
        var unmatchedSeen: Set<String> = []

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
        if record == nil && usage.withLockedValue({ $0.rules.isEmpty }) {
            // No script: PostgreSQL's behaviour, then the unmatched policy; nothing to count but unmatched ones.
            if let answer = fallback.answer(to: statement, parameters: parameters, settings: settings) { return answer }
        }
        let parsed = try? SQLParser.parse(statement)
        // Values written into the statement count as its parameters when none are bound.
        let values = parameters.isEmpty ? parsed?.constants ?? [] : parameters
        if let rule = claimRule(for: statement, parameters: values, consume: true) {
            record?(StatementRecord(statement: statement, parameters: parameters, rule: rule.name, answeredBy: "rule"))
            return rule.answer
        }
        let shapedByRule = claimRule(for: statement, parameters: nil, consume: false)
        if shapedByRule == nil, let answer = fallback.answer(to: statement, parameters: parameters, settings: settings)
        {
            record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "session"))
            return answer
        }
        record?(StatementRecord(statement: statement, parameters: parameters, rule: nil, answeredBy: "unmatched"))
        usage.withLockedValue { usage in
            if usage.unmatched.count < Self.unmatchedLimit, usage.unmatchedSeen.insert(statement).inserted {
                usage.unmatched.append(statement)
            }
        }
        if let columns = shapedByRule?.outcome.resultColumns {
            // A rule answers this statement for other parameter values: no rows, in the shape Describe announced.
            return .result(columns: columns, rows: [], tag: "SELECT 0")
        }
        return fallback.unmatchedOutcome(
            of: parsed ?? ParsedStatement(unparsedLength: statement.utf8.count), statement: statement,
            parameters: parameters)
    }

    public func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]? {
        if let rule = claimRule(for: statement, parameters: nil, consume: false) { return rule.outcome.resultColumns }
        return fallback.resultColumns(of: statement, settings: settings)
    }

    /// The first rule that answers `statement` now (`parameters` `nil`: not bound yet, any values); with `consume`,
    /// it counts as used.
    private func claimRule(for statement: String, parameters: [String?]?, consume: Bool) -> ScriptRule? {
        let fingerprint = SQLParser.cachedFingerprint(statement)
        return usage.withLockedValue { usage -> ScriptRule? in
            let candidates = ((fingerprint.flatMap { usage.byFingerprint[$0] } ?? []) + usage.unindexed).sorted()
            for index in candidates {
                if let times = usage.rules[index].times, usage.uses[index] >= times { continue }
                if let after = usage.rules[index].after,
                    !usage.rules.indices.contains(where: { usage.rules[$0].name == after && usage.uses[$0] > 0 })
                {
                    continue
                }
                if let expected = usage.rules[index].parameters, let parameters, expected != parameters { continue }
                guard usage.rules[index].pattern.matches(statement, fingerprint: { fingerprint }) else { continue }
                if consume { usage.uses[index] += 1 }
                return usage.rules[index]
            }
            return nil
        }
    }

    /// What `--verify` reports: statements no rule answered (session plumbing aside) and rules never used.
    public func verificationReport() -> (unmatchedStatements: [String], unusedRules: [ScriptRule]) {
        usage.withLockedValue { usage in
            (usage.unmatched, usage.rules.indices.filter { usage.uses[$0] == 0 }.map { usage.rules[$0] })
        }
    }
}
