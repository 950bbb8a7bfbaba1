import NIOCore

/// Writes the parts of a message's text line into a ``RenderBuffer``: strings quoted and escaped, long values cut
/// at ``RenderOptions/maximumTextValueLength`` characters (not in lossless lines), bytes as text or `\x` hex.
struct TextLineWriter {
    /// The line written so far.
    var buffer: RenderBuffer
    /// How values are shown.
    let options: RenderOptions

    /// Appends literal text.
    mutating func append(_ text: StaticString) {
        buffer.append(text)
    }

    /// Appends `string` as it is (a name, a number), unquoted.
    mutating func append(string: String) {
        buffer.append(string: string)
    }

    /// Appends `string` unquoted, for reading (a message's text): as it is, except bytes that were not UTF-8
    /// (``WireText``'s escape scalars) as `\xe9` and control characters as in a quoted string (`\n`), so that the
    /// line stays one line of valid UTF-8.
    mutating func appendText(_ string: String) {
        var string = string
        let isPlain = string.withUTF8 { input in !input.contains { $0 < 0x20 || $0 == 0xF4 } }
        guard !isPlain else { return buffer.append(string: string) }
        for scalar in string.unicodeScalars {
            switch scalar.value {
            case WireText.escapeBase...(WireText.escapeBase + 0xFF):
                var byte = UInt8(scalar.value - WireText.escapeBase)
                buffer.append("\\x")
                withUnsafePointer(to: &byte) { buffer.appendHex(UnsafeBufferPointer(start: $0, count: 1)) }
            case 0x0A: buffer.append("\\n")
            case 0x0D: buffer.append("\\r")
            case 0x09: buffer.append("\\t")
            case 0..<0x20:
                var byte = UInt8(scalar.value)
                buffer.append("\\u00")
                withUnsafePointer(to: &byte) { buffer.appendHex(UnsafeBufferPointer(start: $0, count: 1)) }
            default: buffer.append(string: String(scalar))
            }
        }
    }

    /// Appends `value` in decimal.
    mutating func appendDecimal(_ value: some BinaryInteger) {
        buffer.appendDecimal(value)
    }

    /// `string` quoted, escaped and cut when long.
    mutating func quoted(_ string: String) {
        var string = string
        string.withUTF8 { quoted($0) }
    }

    /// Valid UTF-8 `input` quoted, escaped and cut when long: past the limit, the first `limit` characters of the
    /// quoted text, then `"…(N bytes)`.
    mutating func quoted(_ input: UnsafeBufferPointer<UInt8>) {
        let limit = options.maximumTextValueLength
        let start = buffer.bytes.count
        buffer.append(byte: UInt8(ascii: "\""))
        guard !options.isLossless else {
            buffer.appendEscaped(input, isJSON: false)
            buffer.append(byte: UInt8(ascii: "\""))
            return
        }
        // ASCII escapes to ASCII, one character per byte: when the text starts with enough of it, escape only what
        // can be shown.
        let probe = limit >= input.count - 4 ? input.count : limit + 4
        let head = UnsafeBufferPointer(rebasing: input[0..<probe])
        if !head.contains(where: { $0 >= 0x80 }) {
            buffer.appendEscaped(head, isJSON: false)
            if probe < input.count || buffer.bytes.count - start - 1 > limit {
                cut(at: start + limit, byteCount: input.count)
            } else {
                buffer.append(byte: UInt8(ascii: "\""))
            }
            return
        }
        buffer.appendEscaped(input, isJSON: false)
        buffer.append(byte: UInt8(ascii: "\""))
        let escaped = String(decoding: buffer.bytes[start...], as: UTF8.self)
        guard escaped.count - 2 > limit else { return }
        buffer.bytes.removeSubrange(start...)
        buffer.append(string: String(escaped.prefix(limit)))
        cut(at: buffer.bytes.count, byteCount: input.count)
    }

    /// Ends a value cut at byte `end` of the buffer: `"…(N bytes)`, N the whole value's length (`byteCount`).
    private mutating func cut(at end: Int, byteCount: Int) {
        buffer.bytes.removeSubrange(end...)
        buffer.append("\"…(")
        buffer.appendDecimal(byteCount)
        buffer.append(" bytes)")
    }

    /// Bytes as PostgreSQL shows bytea, `"\\x0001"` (quoted, so the backslash is doubled), cut when long: the cut
    /// counts the bytes (`"\\x0001"…(6 bytes)`), not the hex digits that show them.
    mutating func quotedHex(_ input: UnsafeBufferPointer<UInt8>) {
        let limit = options.maximumTextValueLength
        let start = buffer.bytes.count
        buffer.append(#""\\x"#)
        // The quoted text has 2n + 5 characters.
        guard !options.isLossless, input.count * 2 + 3 > limit else {
            buffer.appendHex(input)
            buffer.append(byte: UInt8(ascii: "\""))
            return
        }
        buffer.appendHex(UnsafeBufferPointer(rebasing: input[0..<min(input.count, limit)]))
        cut(at: start + limit, byteCount: input.count)
    }

    /// A text value's bytes (a text-format column or parameter), quoted as a Query's text is: printable UTF-8 as
    /// ``bytes(_:)-(UnsafeBufferPointer<UInt8>)`` writes it, other text (a LATIN1 client's) with each byte that is
    /// not UTF-8 escaped, `"caf\xe9"`, and control characters as `\u00NN`; unlike a bytea's `"\\x636166e9"`.
    mutating func text(_ input: UnsafeBufferPointer<UInt8>) {
        guard !RenderBuffer.isPrintableText(input) else { return bytes(input) }
        quoted(WireText.decode(input))
    }

    /// Raw bytes: their text when printable UTF-8, else `\x` hex (`"\\x0001"`). Printable text that reads like `\x`
    /// hex (the text `\x41`, a bytea's text output) is written with its backslash as the byte escape `\x5c`
    /// (`"\x5cx41"`), and in lossless lines as hex, so that it parses back as the same bytes, not as the bytes its hex
    /// digits spell.
    mutating func bytes(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { self.bytes($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// ``bytes(_:)-(ByteBuffer)`` for bytes in place (a DataRow's column).
    mutating func bytes(_ input: UnsafeBufferPointer<UInt8>) {
        guard RenderBuffer.isPrintableText(input) else { return quotedHex(input) }
        guard Self.looksLikeHex(input) else { return quoted(input) }
        guard !options.isLossless else { return quotedHex(input) }
        let start = buffer.bytes.count
        quoted(input)
        markBackslash(quotedAt: start)
    }

    /// Turns the escaped backslash (`\\`) that starts the quoted string at `start` into `\x5c`, which the text form
    /// reads as that byte of text, where `\\x` followed by hex digits to the end would be bytes in hex.
    private mutating func markBackslash(quotedAt start: Int) {
        buffer.bytes.replaceSubrange((start + 1)..<(start + 3), with: Array(#"\x5c"#.utf8))
    }

    /// Whether `input` is `\x` and an even number of hex digits (``TextFormValue/looksLikeHex(_:)``).
    private static func looksLikeHex(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        input.count >= 2 && input[0] == UInt8(ascii: "\\") && input[1] == UInt8(ascii: "x")
            && input.count.isMultiple(of: 2) && input.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// `value` as a text line shows it: strings quoted, long values cut, NULL, `****` for a masked secret.
    mutating func value(_ value: RenderedValue) {
        switch value {
        case .string(let string): quoted(string)
        case .bytes(let bytes): self.bytes(bytes)
        case .typed(let typed):
            self.typed(typed.value, isBytea: typed.typeName == "bytea" || typed.typeName == "_bytea")
        case .integer(let integer): buffer.appendDecimal(integer)
        case .number(let number): buffer.append(string: number)
        case .boolean(let boolean): buffer.append(boolean ? "true" : "false")
        case .null: buffer.append("NULL")
        case .masked: buffer.append("****")
        case .array(let elements):
            buffer.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(", ") }
                self.value(element)
            }
            buffer.append("]")
        case .object(let members):
            buffer.append("{")
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { buffer.append(" ") }
                buffer.append(string: key)
                buffer.append("=")
                self.value(element)
            }
            buffer.append("}")
        }
    }

    /// A typed value: a number or bool bare, text quoted (and cut when long), an array in brackets. A bytea's text
    /// (`isBytea`) is its bytes in hex, `"\\x41"`, as the text form reads hex bytes; other text that reads like `\x`
    /// hex is written as ``bytes(_:)-(UnsafeBufferPointer<UInt8>)`` writes it, `"\x5cx41"`, so that it reads back as
    /// text.
    mutating func typed(_ value: TypedValue.Value, isBytea: Bool = false) {
        switch value {
        case .number(let number): buffer.append(string: number)
        case .boolean(let boolean): buffer.append(boolean ? "true" : "false")
        case .text(let text):
            let start = buffer.bytes.count
            quoted(text)
            if !isBytea && TextFormValue.looksLikeHex(text) { markBackslash(quotedAt: start) }
        case .array(let elements):
            buffer.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(", ") }
                if let element { typed(element, isBytea: isBytea) } else { buffer.append("NULL") }
            }
            buffer.append("]")
        }
    }

    /// A name written bare in the default form (a startup parameter, a setting, a column); quoted in lossless lines
    /// when it is not a plain word, and always when it would not read back as one word (`"weird name="`) or holds
    /// bytes that are not UTF-8, which show escaped (`"na\xefve"`).
    mutating func name(_ name: String) {
        if (options.isLossless && !TextFormValue.isPlainWord(name)) || !TextFormValue.readsAsWord(name)
            || RenderBuffer.hasEscapedBytes(name)
        {
            quoted(name)
        } else {
            buffer.append(string: name)
        }
    }
}
