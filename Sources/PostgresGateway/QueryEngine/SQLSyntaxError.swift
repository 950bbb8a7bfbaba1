import PostgresWire

/// A statement PostgreSQL's grammar rejects: the parser's message and the 1-based character position.
public struct SQLSyntaxError: Error, Sendable, Hashable {
    /// The parser's message, such as `syntax error at or near "selec"`.
    public var message: String
    /// The 1-based character position in the statement, 0 when unknown.
    public var position: Int

    /// The ErrorResponse PostgreSQL sends (42601), with the position moved by `offset` characters (the statement's
    /// place in a query of several).
    public func diagnostic(offset: Int = 0) -> DiagnosticMessage {
        var diagnostic = DiagnosticMessage(severity: "ERROR", sqlState: "42601", message: message)
        if position > 0 { diagnostic.fields.append(DiagnosticMessage.Field(.position, "\(position + offset)")) }
        return diagnostic
    }
}
