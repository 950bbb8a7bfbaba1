/// Splits a simple-query string into statements at the semicolons PostgreSQL's lexer would split at, one statement
/// at a time, in time linear in the text's length.
///
/// Semicolons inside single-quoted strings (including `E'…'` escapes), quoted identifiers, dollar-quoted strings
/// (`$tag$…$tag$`), `--` comments and nested `/* … */` comments do not split. Leading and trailing white space is
/// dropped and empty statements are skipped. Works on the UTF-8 bytes: every delimiter is ASCII.
struct StatementScanner: Sendable {
    /// The query's UTF-8 bytes.
    private let bytes: [UInt8]
    /// Where the next statement starts.
    private var position = 0
    /// The UTF-8 offset of the statement ``next()`` returned last, in the whole text.
    private(set) var lastStatementOffset = 0

    /// A scanner over `text`.
    init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    /// The number of characters before the statement ``next()`` returned last (for error positions).
    var lastStatementCharacterOffset: Int {
        String(decoding: bytes[..<lastStatementOffset], as: UTF8.self).count
    }

    /// Whether statements may remain (a `true` can still be followed by `nil` when only white space is left).
    var hasMore: Bool { position < bytes.count }

    /// The next non-empty statement, trimmed, or `nil` at the end.
    mutating func next() -> String? {
        while position < bytes.count {
            let start = position
            let end = endOfStatement(from: start)
            position = end < bytes.count ? end + 1 : end
            if let statement = trimmed(start..<end) { return statement }
        }
        return nil
    }

    /// All the statements of `text`.
    static func statements(in text: String) -> [String] {
        var scanner = StatementScanner(text)
        var statements: [String] = []
        while let statement = scanner.next() { statements.append(statement) }
        return statements
    }

    /// The index of the semicolon that ends the statement starting at `start`, or the end of the text.
    private func endOfStatement(from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ";"):
                return index
            case UInt8(ascii: "'"):
                let escapes =
                    index > start && (bytes[index - 1] | 0x20) == UInt8(ascii: "e") && !isIdentifierByte(at: index - 2)
                index = endOfQuoted(from: index + 1, quote: UInt8(ascii: "'"), backslashEscapes: escapes)
            case UInt8(ascii: "\""):
                index = endOfQuoted(from: index + 1, quote: UInt8(ascii: "\""), backslashEscapes: false)
            case UInt8(ascii: "-") where byte(at: index + 1) == UInt8(ascii: "-"):
                index = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            case UInt8(ascii: "/") where byte(at: index + 1) == UInt8(ascii: "*"):
                index = endOfBlockComment(from: index + 2)
            case UInt8(ascii: "$") where !isIdentifierByte(at: index - 1):
                index = endOfDollarQuoted(from: index)
            default:
                index += 1
            }
        }
        return bytes.count
    }

    /// The index after the closing quote; a doubled quote is part of the text.
    private func endOfQuoted(from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if backslashEscapes && byte == UInt8(ascii: "\\") {
                index += 2
            } else if byte == quote {
                if self.byte(at: index + 1) == quote {
                    index += 2
                } else {
                    return index + 1
                }
            } else {
                index += 1
            }
        }
        return bytes.count
    }

    /// The index after the `*/` closing a (possibly nested) comment.
    private func endOfBlockComment(from start: Int) -> Int {
        var depth = 1
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") && byte(at: index + 1) == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else if bytes[index] == UInt8(ascii: "/") && byte(at: index + 1) == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else {
                index += 1
            }
        }
        return bytes.count
    }

    /// For a `$` at `start`: the index after a dollar-quoted string's closing tag, or after the `$` when it opens
    /// none (a parameter such as `$1`).
    private func endOfDollarQuoted(from start: Int) -> Int {
        var tagEnd = start + 1
        while tagEnd < bytes.count, bytes[tagEnd] != UInt8(ascii: "$") {
            let byte = bytes[tagEnd]
            let isTagByte =
                byte >= 0x80 || byte == UInt8(ascii: "_") || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || (tagEnd > start + 1 && byte >= 0x30 && byte <= 0x39)
            guard isTagByte else { return start + 1 }
            tagEnd += 1
        }
        guard tagEnd < bytes.count else { return start + 1 }
        let tag = bytes[start...tagEnd]
        var index = tagEnd + 1
        while index < bytes.count {
            guard let dollar = bytes[index...].firstIndex(of: UInt8(ascii: "$")) else { return bytes.count }
            if bytes[dollar...].starts(with: tag) { return dollar + tag.count }
            index = dollar + 1
        }
        return bytes.count
    }

    /// Whether the byte at `index` can continue an identifier (so a following `$` or `'` belongs to it).
    private func isIdentifierByte(at index: Int) -> Bool {
        guard let byte = byte(at: index) else { return false }
        return byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    private func byte(at index: Int) -> UInt8? {
        index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    /// The statement in `range` without surrounding white space, or `nil` when nothing else is left.
    private mutating func trimmed(_ range: Range<Int>) -> String? {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, Self.isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, Self.isWhitespace(bytes[upper - 1]) { upper -= 1 }
        guard lower < upper else { return nil }
        lastStatementOffset = lower
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    /// PostgreSQL's white space: space, tab, newline, carriage return, form feed, vertical tab.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
