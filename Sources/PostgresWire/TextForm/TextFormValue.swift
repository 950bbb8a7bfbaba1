/// One value of a text-form line as written, with the column where it starts (for error carets).
public struct TextFormValue: Sendable, Hashable {
    /// The shapes a value can take.
    public indirect enum Shape: Sendable, Hashable {
        /// A bare word: a name, a number, `NULL`, a format such as `format(5)`, hex digits.
        case word(String)
        /// A double-quoted string with JSON escapes, already unescaped.
        case string(String)
        /// `[a, b, c]`.
        case list([TextFormValue])
        /// `{name=value …}`.
        case object([TextFormItem])
        /// Several values separated by spaces inside a list, such as `id int4` in `[id int4, name text]`.
        case phrase([TextFormValue])
    }

    /// What was written.
    public var shape: Shape
    /// The column (in characters, from 0) where the value starts.
    public var column: Int

    /// Whether `text` is `\x` followed by pairs of hex digits: in a byte field this means the bytes in hex, as in
    /// PostgreSQL's bytea output.
    public static func looksLikeHex(_ text: String) -> Bool {
        guard text.hasPrefix("\\x") else { return false }
        let digits = text.utf8.dropFirst(2)
        return digits.count.isMultiple(of: 2) && digits.allSatisfy(\.isHexDigit)
    }

    /// Whether `text` reads back as one bare word: not empty, no space, quote, bracket, brace, comma or `=`, and not
    /// starting with `(` (a comment). Default lines write names such as `?column?` bare when they do.
    public static func readsAsWord(_ text: String) -> Bool {
        !text.isEmpty && !text.hasPrefix("(")
            && !text.contains { $0.isWhitespace || "\"[]{},=".contains($0) }
    }

    /// Whether `text` can be written without quotes: not empty, and only letters, digits and `_ . - $ : /`.
    public static func isPlainWord(_ text: String) -> Bool {
        !text.isEmpty && text != "NULL"
            && text.unicodeScalars.allSatisfy {
                ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0)
                    || "_.-$:/".unicodeScalars.contains($0)
            }
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII hex digit.
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
