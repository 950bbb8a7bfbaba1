/// One statement a scripted server received, for `--log`: what it was and what answered it.
public struct StatementRecord: Sendable, Encodable {
    /// The statement's text.
    public var statement: String
    /// The bound parameters as text (`nil` for NULL).
    public var parameters: [String?]
    /// The name of the rule that answered it, if one did.
    public var rule: String?
    /// Who answered: `rule`, `session` (PostgreSQL's behaviour without data) or `unmatched`.
    public var answeredBy: String
}
