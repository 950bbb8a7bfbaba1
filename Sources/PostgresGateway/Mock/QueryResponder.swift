/// Decides what each SQL statement a mock server receives produces.
public protocol QueryResponder: Sendable {
    /// The outcome of one statement; `parameters` are the bound values as text (`nil` is NULL), and `settings`
    /// holds the session's SET values so far.
    func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome
}
