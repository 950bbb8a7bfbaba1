import PostgresWire

/// Answers session plumbing like PostgreSQL and echoes every other statement back as a one-row result.
///
/// `SET`, `SHOW`, `BEGIN`/`START TRANSACTION`, `COMMIT`/`END`, `ROLLBACK`/`ABORT` and `SELECT version()` behave as
/// in PostgreSQL; anything else returns one row with one `text` column, `echo`, holding the statement with its
/// parameters substituted.
public struct EchoResponder: QueryResponder {
    /// The server version reported by `SELECT version()` and `SHOW server_version`.
    public var serverVersion: String

    public init(serverVersion: String) {
        self.serverVersion = serverVersion
    }

    public func outcome(of statement: String, parameters: [String?], settings: [String: String]) -> QueryOutcome {
        // Only short statements are split into words: a long one's first word decides, in time independent of its size.
        let words = Self.words(of: statement.utf8.count <= 1024 ? Substring(statement) : statement.prefix(64))
        guard let first = words.first else { return .empty }
        switch first {
        case "begin", "start":
            return .command(tag: "BEGIN", effect: .beginTransaction)
        case "commit", "end":
            return .command(tag: "COMMIT", effect: .commit)
        case "rollback", "abort":
            return .command(tag: "ROLLBACK", effect: .rollback)
        case "set":
            return set(statement)
        case "show" where words.count == 2:
            let name = words[1]
            let value =
                name == "server_version"
                ? serverVersion : settings[name] ?? settings.first { $0.key.lowercased() == name }?.value
            guard let value else {
                return .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "42704",
                        message: "unrecognized configuration parameter \"\(name)\"")
                )
            }
            return .rows(columns: [name], rows: [[value]], tag: "SHOW")
        default:
            let compact = words.joined(separator: " ")
            if compact == "select version()" || compact == "select version();"
                || compact == "select pg_catalog.version()"
            {
                return .rows(columns: ["version"], rows: [["PostgreSQL \(serverVersion) on pgw"]], tag: "SELECT 1")
            }
            return .rows(columns: ["echo"], rows: [[Self.substitute(parameters, into: statement)]], tag: "SELECT 1")
        }
    }

    /// The lowercased words of `text`.
    private static func words(of text: Substring) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
    }

    /// `SET [SESSION|LOCAL] name {TO|=} value`.
    private func set(_ statement: String) -> QueryOutcome {
        var rest = Substring(statement).drop { !$0.isWhitespace }.drop(while: \.isWhitespace)
        for scope in ["session ", "local "] where rest.lowercased().hasPrefix(scope) {
            rest = rest.dropFirst(scope.count).drop(while: \.isWhitespace)
        }
        let name = rest.prefix { !$0.isWhitespace && $0 != "=" }
        var value = rest.dropFirst(name.count).drop(while: \.isWhitespace)
        if value.hasPrefix("=") {
            value = value.dropFirst()
        } else if value.lowercased().hasPrefix("to") {
            value = value.dropFirst(2)
        } else {
            return .error(DiagnosticMessage(severity: "ERROR", sqlState: "42601", message: "syntax error in SET"))
        }
        var text = value.trimmingWhitespace()
        if text.hasSuffix(";") { text = String(text.dropLast()).trimmingWhitespace() }
        if text.count >= 2, text.first == "'", text.last == "'" {
            text = String(text.dropFirst().dropLast()).replacing("''", with: "'")
        }
        return .command(tag: "SET", effect: .set(name: String(name), value: text))
    }

    /// Replaces `$1`, `$2`, … with the parameters as SQL literals.
    static func substitute(_ parameters: [String?], into statement: String) -> String {
        guard !parameters.isEmpty else { return statement }
        var result = statement
        for (index, parameter) in parameters.enumerated().reversed() {
            let literal = parameter.map { "'" + $0.replacing("'", with: "''") + "'" } ?? "NULL"
            result = result.replacing("$\(index + 1)", with: literal)
        }
        return result
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
