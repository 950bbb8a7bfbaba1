/// Decides what each SQL statement a mock server receives produces.
public protocol QueryResponder: Sendable {
    /// The outcome of one statement; `parameters` are the bound values as text (`nil` is NULL), and `settings`
    /// holds the session's SET values so far.
    func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome

    /// The result columns `statement` would produce, without running it (for Describe); `nil` for none.
    func columns(of statement: String, settings: [String: String]) -> [String]?
}

extension QueryResponder {
    /// Runs the statement with NULL parameters and reports its columns; right for responders without side effects.
    public func columns(of statement: String, settings: [String: String]) -> [String]? {
        let parameters = [String?](repeating: nil, count: QuerySession.highestParameterNumber(in: statement))
        guard case .rows(let columns, _, _) = outcome(of: statement, parameters: parameters, settings: settings) else {
            return nil
        }
        return columns
    }
}
