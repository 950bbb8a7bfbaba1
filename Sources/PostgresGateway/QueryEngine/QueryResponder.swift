/// Decides what each SQL statement a mock server receives produces.
public protocol QueryResponder: Sendable {
    /// The outcome of one statement; `parameters` are the bound values as text (`nil` is NULL), and `settings`
    /// holds the session's settings (server defaults, startup parameters, then every SET).
    func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome

    /// The names of the result columns `statement` would produce, without running it (for Describe); `nil` for none.
    func columns(of statement: String, settings: [String: String]) -> [String]?

    /// The result columns, with types, `statement` would produce (for Describe); `nil` for none. By default the
    /// columns of ``columns(of:settings:)``, typed `text`.
    func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]?
}

extension QueryResponder {
    /// Runs the statement with NULL parameters and reports its columns; right for responders without side effects.
    public func columns(of statement: String, settings: [String: String]) -> [String]? {
        let parameters = [String?](repeating: nil, count: QuerySession.highestParameterNumber(in: statement))
        return outcome(of: statement, parameters: parameters, settings: settings).resultColumns?.map(\.name)
    }

    /// The columns of ``columns(of:settings:)``, typed `text`.
    public func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]? {
        columns(of: statement, settings: settings)?.map { ResultColumn(name: $0, type: .text) }
    }
}
