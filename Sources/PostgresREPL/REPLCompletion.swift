import PostgresWire

/// What Tab offers: message names and meta-commands at the start of a line, a message's field names after its name
/// (`portal=`, `statement=`), message names after `\help` and `\expect`, and a meta-command's words.
public enum REPLCompletion {
    /// The meta-commands' names.
    static var metaCommands: [String] { REPLHelp.metaCommands.map { String($0.0.split(separator: " ")[0]) } }

    /// The words completing `word`, which starts `start` bytes into `line`, in a session typing `direction`'s
    /// messages.
    public static func candidates(
        for word: String, at start: Int, in line: String, direction: MessageDirection
    ) -> [String] {
        let before = String(decoding: line.utf8.prefix(start), as: UTF8.self)
        var words = before.split(whereSeparator: \.isWhitespace).map(String.init)
        if let first = words.first, first == "F" || first == "B" { words.removeFirst() }
        let other: MessageDirection = direction == .frontend ? .backend : .frontend
        let choices: [String]
        switch words.first {
        case nil:
            choices = TextFormParser.typeNames(of: direction) + (before.isEmpty ? metaCommands : [])
        case "\\help", "\\h", "\\?":
            choices =
                words.count == 1
                ? TextFormParser.typeNames(of: direction) + TextFormParser.typeNames(of: other) + metaCommands : []
        case "\\expect":
            choices = words.count == 1 ? TextFormParser.typeNames(of: other) : []
        case "\\format":
            choices = words.count == 1 ? RenderFormat.allCases.map(\.rawValue) : []
        case "\\set":
            choices = words.count == 1 ? ["autosend"] : words.count == 2 ? ["on", "off"] : []
        case "\\reveal", "\\auto-query":
            choices = words.count == 1 ? ["on", "off"] : []
        case let name?:
            guard
                let type = TextFormParser.typeNames(of: direction).first(where: { $0.lowercased() == name.lowercased() }
                )
            else { return [] }
            choices = REPLHelp.fieldNames(of: type, direction: direction).filter { field in
                !words.contains { $0.hasPrefix(field) }
            }
        }
        var matches: [String] = []
        for choice in choices where choice.lowercased().hasPrefix(word.lowercased()) && !matches.contains(choice) {
            matches.append(choice)
        }
        return matches
    }
}
