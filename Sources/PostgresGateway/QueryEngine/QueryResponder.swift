/// Decides what each SQL statement a mock server receives produces.
public protocol QueryResponder: Sendable {
    /// The outcome of one statement; `parameters` are the bound values as text (`nil` is NULL), and `settings`
    /// holds the session's settings (server defaults, startup parameters, then every SET).
    func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome

    /// The outcome of one statement whose parameters have the types of `parameterTypes` (OIDs, one per parameter,
    /// as the statement's ParameterDescription gives them), so that `select $1` bound to an int4 answers an int4
    /// as PostgreSQL does. By default ``outcome(of:parameters:settings:)``, which ignores the types.
    func outcome(of statement: String, parameters: [String?], parameterTypes: [UInt32], settings: [String: String])
        -> QueryOutcome

    /// The types (OIDs, 0 where unknown) the responder gives `statement`'s parameters, for those a client's Parse
    /// leaves unspecified (as asyncpg's do): the statement's ParameterDescription reports them and Bind reads values
    /// by them. By default none (the types the statement itself implies, else text).
    func parameterTypes(of statement: String) -> [UInt32]

    /// Takes `statement` (with its bound `parameters`), which the session answered itself without asking the
    /// responder: DECLARE, FETCH, MOVE and CLOSE, from the session's cursors (a DECLARE's query is asked for after
    /// it). A responder that logs statements logs it; by default nothing.
    func sessionAnswered(_ statement: String, parameters: [String?])

    /// Told of a statement the session refused itself because it does not parse (`error`, sent to the client as
    /// PostgreSQL sends it): the statement of a Parse message. By default nothing; a responder that counts the
    /// statements no rule answered counts it.
    func refuse(_ statement: String, syntaxError error: SQLSyntaxError)

    /// The names of the result columns `statement` would produce, without running it (for Describe); `nil` for none.
    func columns(of statement: String, settings: [String: String]) -> [String]?

    /// The result columns, with types, `statement` would produce (for Describe); `nil` for none. By default the
    /// columns of ``columns(of:settings:)``, typed `text`.
    func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]?

    /// The result columns `statement` would produce with parameters of the types of `parameterTypes` (for
    /// Describe). By default ``resultColumns(of:settings:)``, which ignores the types.
    func resultColumns(of statement: String, parameterTypes: [UInt32], settings: [String: String]) -> [ResultColumn]?
}

extension QueryResponder {
    /// ``outcome(of:parameters:settings:)``: the parameters' types are ignored.
    public func outcome(
        of statement: String, parameters: [String?], parameterTypes: [UInt32], settings: [String: String]
    ) -> QueryOutcome {
        outcome(of: statement, parameters: parameters, settings: settings)
    }

    /// Nothing: the statement is not logged.
    public func sessionAnswered(_ statement: String, parameters: [String?]) {}

    /// None: the types the statement itself implies, else text.
    public func parameterTypes(of statement: String) -> [UInt32] {
        []
    }

    /// Nothing: the session's error is all.
    public func refuse(_ statement: String, syntaxError error: SQLSyntaxError) {}

    /// Runs the statement with NULL parameters and reports its columns; right for responders without side effects.
    public func columns(of statement: String, settings: [String: String]) -> [String]? {
        let parameters = [String?](repeating: nil, count: QuerySession.highestParameterNumber(in: statement))
        return outcome(of: statement, parameters: parameters, settings: settings).resultColumns?.map(\.name)
    }

    /// The columns of ``columns(of:settings:)``, typed `text`.
    public func resultColumns(of statement: String, settings: [String: String]) -> [ResultColumn]? {
        columns(of: statement, settings: settings)?.map { ResultColumn(name: $0, type: .text) }
    }

    /// ``resultColumns(of:settings:)``: the parameters' types are ignored.
    public func resultColumns(of statement: String, parameterTypes: [UInt32], settings: [String: String])
        -> [ResultColumn]?
    {
        resultColumns(of: statement, settings: settings)
    }
}
