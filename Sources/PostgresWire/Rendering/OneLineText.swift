/// Text made to stay on one line of a log or terminal: line breaks, tabs and other control characters escaped
/// (`\n`, `\t`, `\x1b`, `\u{2028}`), as bytes that were not UTF-8 are (`\xe9`), so a reason libpq words on two
/// lines (`…\n\tIs the server running…`) or a value a client sent (a user name, a server name) cannot start a line
/// of its own (forge a log entry) or send terminal escape sequences.
package enum OneLineText {
    /// `text` escaped onto one line; the same text when it needs nothing.
    package static func escaped(_ text: String) -> String {
        func isPlain(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar.value != 0x2028
                && scalar.value != 0x2029 && WireText.escapedByte(scalar) == nil
        }
        guard !text.unicodeScalars.allSatisfy(isPlain) else { return text }
        var line = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where isPlain(scalar): line.unicodeScalars.append(scalar)
            case _ where scalar.value > 0xFF && WireText.escapedByte(scalar) == nil:
                line += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                let byte = WireText.escapedByte(scalar) ?? UInt8(scalar.value)
                line += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return line
    }
}
