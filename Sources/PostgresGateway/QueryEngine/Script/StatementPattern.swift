/// Which statements a script rule answers.
public enum StatementPattern: Sendable {
    /// Statements with this fingerprint (`pg_query_fingerprint`): the same statement with other literals, white
    /// space, comments or letter case matches. A fingerprint ignores constants and aliases in a select list
    /// (`select 1` and `select 1, 'a' as b` have the same), so SELECTs must also have the same output column
    /// names, `columns`. `text` is the statement as the script gives it.
    case fingerprint(String, columns: [String], text: String)
    /// Statements this regular expression (ICU's, compiled when the script is read) matches somewhere
    /// (case-insensitive).
    case regex(RuleRegex)
    /// Exactly this text.
    case exact(String)

    /// Whether `statement` (whose fingerprint is `fingerprint`, if it parses) matches; a regular expression that
    /// takes longer than ``RuleRegex/timeLimit`` throws.
    func matches(_ statement: String, fingerprint: () -> String?) throws(RuleRegex.TimeLimitExceeded) -> Bool {
        switch self {
        case .fingerprint(let expected, let columns, _):
            fingerprint() == expected && Self.outputColumns(of: statement) == columns
        case .regex(let regex): try regex.matches(statement)
        case .exact(let text): statement == text
        }
    }

    /// The output column names of a SELECT, empty for other statements.
    static func outputColumns(of statement: String) -> [String] {
        guard case .select(let targets, _, _, _) = (try? SQLParser.parse(statement))?.kind else { return [] }
        return targets.map(\.name)
    }

    /// The pattern as the script wrote it, for messages.
    public var text: String {
        switch self {
        case .fingerprint(_, _, let text): text
        case .regex(let regex): "regex \(regex.pattern)"
        case .exact(let text): "exact \(text)"
        }
    }
}
