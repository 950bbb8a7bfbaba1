import PostgresWire

/// The startup parameter `options` as PostgreSQL reads it (`pg_split_opts`, then `process_postgres_switches`):
/// words split at white space, a backslash taking the next character as it is (`a\ b` is one word), and of
/// those the switches that set run-time settings: `-c name=value`, `-cname=value` and `--name=value`, a `-` in the
/// name read as `_`.
public enum StartupOptions {
    /// The words of `options`.
    static func words(in options: String) -> [String] {
        var words: [String] = []
        var word = ""
        var isInWord = false
        var isEscaped = false
        for character in options {
            if isEscaped {
                word.append(character)
                isEscaped = false
            } else if character == "\\" {
                isEscaped = true
                isInWord = true
            } else if character.isWhitespace {
                if isInWord { words.append(word) }
                word = ""
                isInWord = false
            } else {
                word.append(character)
                isInWord = true
            }
        }
        if isInWord { words.append(word) }
        return words
    }

    /// The settings the switches of `options` make, in order; other switches (which PostgreSQL refuses at
    /// connection, or which set what a mock server has not) are left out.
    public static func settings(in options: String) -> [(name: String, value: String)] {
        var settings: [(name: String, value: String)] = []
        var words = words(in: options)[...]
        while let word = words.popFirst() {
            let assignment: String
            if word == "-c" {
                guard let next = words.popFirst() else { break }
                assignment = next
            } else if word.hasPrefix("--") {
                assignment = String(word.dropFirst(2))
            } else if word.hasPrefix("-c") {
                assignment = String(word.dropFirst(2))
            } else {
                continue
            }
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else { continue }
            let name = String(assignment[..<equals]).replacing("-", with: "_")
            settings.append((name, String(assignment[assignment.index(after: equals)...])))
        }
        return settings
    }

    /// The FATAL PostgreSQL ends the connection with for `options`: a word that is not a `-c`/`--` switch (42601),
    /// a switch without `=value` (42601), or a setting SET would refuse (unknown: 42704, fixed: 55P02, an invalid
    /// value: 22023), judged against `settings` (the server's); `nil` when it takes them.
    static func refusal(of options: String, settings: [String: String]) -> DiagnosticMessage? {
        func fatal(_ code: String, _ message: String, hint: String? = nil) -> DiagnosticMessage {
            DiagnosticMessage(severity: "FATAL", sqlState: code, message: message, hint: hint)
        }
        var words = words(in: options)[...]
        while let word = words.popFirst() {
            let assignment: String
            let switchName: String
            if word == "-c" {
                guard let next = words.popFirst() else {
                    return fatal("42601", "invalid command-line argument for server process: -c")
                }
                (assignment, switchName) = (next, "-c")
            } else if word.hasPrefix("--") {
                (assignment, switchName) = (String(word.dropFirst(2)), "--")
            } else if word.hasPrefix("-c") {
                (assignment, switchName) = (String(word.dropFirst(2)), "-c")
            } else {
                return fatal(
                    "42601", "invalid command-line argument for server process: \(word)",
                    hint: "Try \"postgres --help\" for more information.")
            }
            guard let equals = assignment.firstIndex(of: "=") else {
                return fatal("42601", "\(switchName == "-c" ? "-c " : "--")\(assignment) requires a value")
            }
            let name = String(assignment[..<equals]).replacing("-", with: "_")
            do {
                _ = try ServerSettings.validated(
                    name, String(assignment[assignment.index(after: equals)...]), in: settings)
            } catch {
                return Self.fatalRefusal(from: error.diagnostic)
            }
        }
        return nil
    }

    /// PostgreSQL's FATAL for the first of a StartupMessage's own parameters it would not apply (an unknown name,
    /// `client_encoding=FOO`, `TimeZone=nowhere`), other than `user`, `database`, `options`, `replication` and
    /// protocol options (`_pq_.…`); `nil` when it applies them all.
    static func refusal(ofParameters parameters: [(name: String, value: String)], settings: [String: String])
        -> DiagnosticMessage?
    {
        for (name, value) in parameters
        where !["user", "database", "options", "replication"].contains(name) && !name.hasPrefix("_pq_.") {
            do {
                _ = try ServerSettings.validated(name, value, in: settings)
            } catch {
                return Self.fatalRefusal(from: error.diagnostic)
            }
        }
        return nil
    }

    /// `diagnostic` (a SET's error) as the FATAL that ends a connection whose startup asked for it.
    private static func fatalRefusal(from diagnostic: DiagnosticMessage) -> DiagnosticMessage {
        DiagnosticMessage(
            severity: "FATAL", sqlState: diagnostic.sqlState ?? "22023", message: diagnostic.message ?? "",
            detail: diagnostic[.detail], hint: diagnostic[.hint])
    }
}
