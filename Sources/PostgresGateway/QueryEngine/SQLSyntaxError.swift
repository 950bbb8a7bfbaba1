import PostgresWire

/// A statement PostgreSQL's parser rejects: the parser's message and the 1-based character position (42601), or
/// one nested too deeply to handle (54001).
public struct SQLSyntaxError: Error, Sendable, Hashable {
    /// The parser's message, such as `syntax error at or near "selec"`.
    public var message: String
    /// The 1-based character position in the statement, 0 when unknown.
    public var position: Int
    /// The SQLSTATE: 42601 for syntax errors.
    public var sqlState = "42601"
    /// A hint for the client, if any.
    public var hint: String?

    /// The ErrorResponse PostgreSQL sends.
    public func diagnostic() -> DiagnosticMessage {
        var diagnostic = DiagnosticMessage(severity: "ERROR", sqlState: sqlState, message: message, hint: hint)
        if position > 0 { diagnostic.fields.append(DiagnosticMessage.Field(.position, "\(position)")) }
        return diagnostic
    }
}
