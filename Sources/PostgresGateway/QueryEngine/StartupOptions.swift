/// The startup parameter `options` as PostgreSQL reads it (`pg_split_opts`, then `process_postgres_switches`):
/// words split at white space, a backslash taking the next character as it is (`a\ b` is one word), and of
/// those the switches that set run-time settings: `-c name=value`, `-cname=value` and `--name=value`, a `-` in the
/// name read as `_`.
enum StartupOptions {
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
    static func settings(in options: String) -> [(name: String, value: String)] {
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
}
