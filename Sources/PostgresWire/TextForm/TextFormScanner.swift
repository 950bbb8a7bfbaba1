/// Splits a text-form line into its message type and items: bare words, JSON-quoted strings, `[lists]`,
/// `{objects}` and `name=value` pairs; `(comments)` such as `(idle)` are skipped.
struct TextFormScanner {
    /// The line as typed.
    let line: String
    private let characters: [Character]
    private var position = 0
    /// How many `[` and `{` enclose the current position.
    private var depth = 0

    /// The most `[lists]` and `{objects}` one value nests (a message's values nest a few deep), so a line of
    /// thousands of `[` is an error at its column instead of exhausting the stack of the parser and its readers.
    static let maximumDepth = 100

    init(line: String) {
        self.line = line
        self.characters = Array(line)
    }

    /// The column of the next character.
    var column: Int { position }

    /// Moves to `column`, a place found by other means (the fields after an error's message).
    mutating func skip(to column: Int) {
        position = min(max(column, 0), characters.count)
    }

    /// The error `reason` at `column`.
    func error(_ reason: String, at column: Int) -> TextFormError {
        TextFormError(line: line, column: column, reason: reason)
    }

    /// Skips spaces and `(comments)`; whether anything is left.
    mutating func skipSpace(comments: Bool = true) -> Bool {
        while position < characters.count {
            if characters[position].isWhitespace {
                position += 1
            } else if comments && characters[position] == "(" {
                while position < characters.count && characters[position] != ")" { position += 1 }
                position = min(position + 1, characters.count)
            } else {
                return true
            }
        }
        return false
    }

    /// Skips the time and connection number that `pgw proxy` and `pgw decode` of a capture put before a message
    /// (`07:02:33.745704 #1 `; the `#` is optional, as earlier proxy logs had none), so their lines can be pasted; a
    /// line without them is left as it is.
    mutating func skipLogPrefix() {
        let start = position
        guard skipClockTime(), position < characters.count, characters[position].isWhitespace else {
            position = start
            return
        }
        _ = skipSpace(comments: false)
        let afterTime = position
        if position < characters.count && characters[position] == "#" { position += 1 }
        let digits = position
        while position < characters.count && characters[position].isASCII && characters[position].isNumber {
            position += 1
        }
        if position == digits || position == characters.count || !characters[position].isWhitespace {
            position = afterTime
        }
        _ = skipSpace(comments: false)
    }

    /// Skips `HH:MM:SS` with an optional fraction; whether it was there.
    private mutating func skipClockTime() -> Bool {
        for expected in "00:00:00" {
            guard position < characters.count else { return false }
            let character = characters[position]
            if expected == ":" ? character != ":" : !(character.isASCII && character.isNumber) { return false }
            position += 1
        }
        if position < characters.count && characters[position] == "." {
            position += 1
            while position < characters.count && characters[position].isASCII && characters[position].isNumber {
                position += 1
            }
        }
        return true
    }

    /// The text from the current position to the end of the line, and its column.
    mutating func rest() -> (text: String, column: Int) {
        _ = skipSpace(comments: false)
        let start = position
        position = characters.count
        return (String(characters[start...]), start)
    }

    /// All items to the end of the line.
    mutating func items() throws(TextFormError) -> [TextFormItem] {
        var items: [TextFormItem] = []
        while skipSpace() {
            items.append(try item(closing: nil))
        }
        return items
    }

    /// A bare word at the current position, such as the message type; `nil` at a quote or bracket.
    mutating func word() -> TextFormValue? {
        let start = position
        while position < characters.count && Self.isWordCharacter(characters[position]) { position += 1 }
        return position > start ? TextFormValue(shape: .word(String(characters[start..<position])), column: start) : nil
    }

    private mutating func item(closing: Character?) throws(TextFormError) -> TextFormItem {
        let start = position
        let first = try value()
        guard position < characters.count, characters[position] == "=" else {
            return TextFormItem(name: nil, value: first, column: start)
        }
        let name: String
        switch first.shape {
        case .word(let word): name = word
        case .string(let string): name = string
        default: throw error("a name before '=' must be a word or a quoted string", at: start)
        }
        position += 1
        guard position < characters.count, !characters[position].isWhitespace, characters[position] != closing else {
            throw error("expected a value after '\(name)='", at: position)
        }
        return TextFormItem(name: name, value: try value(), column: start)
    }

    private mutating func value() throws(TextFormError) -> TextFormValue {
        let start = position
        guard position < characters.count else { throw error("expected a value", at: position) }
        switch characters[position] {
        case "\"":
            let string = try quotedString()
            if position < characters.count && characters[position] == "…" {
                throw error(
                    Self.cutValueReason + " (…(N bytes) marks the cut), so the line is not whole: "
                        + "print it whole with pgw decode --full (or pgw proxy --full)", at: position)
            }
            return TextFormValue(shape: .string(string), column: start)
        case "[":
            try enterNesting(at: start)
            defer { depth -= 1 }
            return TextFormValue(shape: .list(try listElements()), column: start)
        case "{":
            try enterNesting(at: start)
            defer { depth -= 1 }
            var members: [TextFormItem] = []
            while true {
                guard skipSpace() else { throw error("'{' is never closed", at: start) }
                if characters[position] == "}" {
                    position += 1
                    return TextFormValue(shape: .object(members), column: start)
                }
                let member = try item(closing: "}")
                guard member.name != nil else { throw error("expected name=value inside '{…}'", at: member.column) }
                members.append(member)
            }
        default:
            if let word = word() { return word }
            throw error("unexpected '\(characters[position])'", at: position)
        }
    }

    /// Steps into the `[` or `{` at `column`, unless it nests deeper than ``maximumDepth``.
    private mutating func enterNesting(at column: Int) throws(TextFormError) {
        guard depth < Self.maximumDepth else {
            throw error("lists and objects nest more than \(Self.maximumDepth) deep", at: column)
        }
        depth += 1
        position += 1
    }

    private mutating func listElements() throws(TextFormError) -> [TextFormValue] {
        let open = position - 1
        var elements: [TextFormValue] = []
        var phrase: [TextFormValue] = []
        func finishElement(at column: Int) throws(TextFormError) {
            switch phrase.count {
            case 0: throw error("expected a value", at: column)
            case 1: elements.append(phrase[0])
            default: elements.append(TextFormValue(shape: .phrase(phrase), column: phrase[0].column))
            }
            phrase = []
        }
        while true {
            guard skipSpace(comments: false) else { throw error("'[' is never closed", at: open) }
            switch characters[position] {
            case "]":
                position += 1
                if !phrase.isEmpty || !elements.isEmpty { try finishElement(at: position - 1) }
                return elements
            case ",":
                try finishElement(at: position)
                position += 1
            default:
                let item = try item(closing: "]")
                if item.name != nil {
                    throw error("a list holds values, not name=value", at: item.column)
                }
                phrase.append(item.value)
            }
        }
    }

    private mutating func quotedString() throws(TextFormError) -> String {
        let start = position
        position += 1
        var result = ""
        while position < characters.count {
            let character = characters[position]
            position += 1
            switch character {
            case "\"":
                return result
            case "\\":
                guard position < characters.count else { break }
                let escape = characters[position]
                position += 1
                switch escape {
                case "\"", "\\", "/": result.append(escape)
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "b": result.append("\u{8}")
                case "f": result.append("\u{C}")
                case "u": result.unicodeScalars.append(try unicodeEscape(at: position - 2))
                case "x": result.unicodeScalars.append(try byteEscape(at: position - 2))
                default: throw error("unknown escape '\\\(escape)' (JSON escapes and \\xNN only)", at: position - 2)
                }
            default:
                result.append(character)
            }
        }
        throw error("the string is never closed (missing '\"')", at: start)
    }

    /// `\xNN`, a byte of text that is not UTF-8 as text lines show it (`"caf\xe9"`): the scalar that stands for
    /// the byte (``WireText``), so the text encodes back to the byte. A backslash written `\x5c` stays its escape
    /// scalar (``markedBackslash``), so that a byte field tells the text `"\x5cx41"` from the hex bytes `"\\x41"`;
    /// text fields read it as a backslash (``TextFormArguments/string(_:what:)``).
    private mutating func byteEscape(at column: Int) throws(TextFormError) -> Unicode.Scalar {
        guard position + 2 <= characters.count, let byte = UInt8(String(characters[position..<position + 2]), radix: 16)
        else { throw error("'\\x' needs two hex digits", at: column) }
        position += 2
        return byte == UInt8(ascii: "\\") ? Self.markedBackslash : WireText.scalar(forByte: byte)
    }

    /// How the error about a value cut by the printer (`"…(300 bytes)`) starts.
    static let cutValueReason = "this value was cut short by the printer"

    /// A backslash written `\x5c` in a quoted string: ``WireText``'s escape scalar of the byte, which encodes back to
    /// it.
    static let markedBackslash = Unicode.Scalar(WireText.escapeBase + 0x5C)!

    private mutating func unicodeEscape(at column: Int) throws(TextFormError) -> Unicode.Scalar {
        let high = try hexQuad(at: column)
        if (0xD800..<0xDC00).contains(high), position + 1 < characters.count, characters[position] == "\\",
            characters[position + 1] == "u"
        {
            position += 2
            let low = try hexQuad(at: position - 2)
            if (0xDC00..<0xE000).contains(low),
                let scalar = Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))
            {
                return scalar
            }
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("'\\u' escape of a lone surrogate", at: column) }
        return scalar
    }

    private mutating func hexQuad(at column: Int) throws(TextFormError) -> UInt32 {
        guard position + 4 <= characters.count,
            let value = UInt32(String(characters[position..<position + 4]), radix: 16)
        else { throw error("'\\u' needs four hex digits", at: column) }
        position += 4
        return value
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        !character.isWhitespace && !"\"[]{},=".contains(character)
    }
}
