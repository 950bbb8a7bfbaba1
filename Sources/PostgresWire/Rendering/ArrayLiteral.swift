/// Reads a one-dimensional array in PostgreSQL's text form (`array_out`'s output, `array_in`'s input): `{1,NULL,3}`,
/// `{"a b","x\"y",NULL,"NULL",""}`.
package enum ArrayLiteral {
    /// The elements of `text` (`nil` for NULL), or `nil` when it is not a one-dimensional array literal (nested
    /// braces, dimension decorations such as `[0:1]=`, unbalanced quotes).
    package static func elements(of text: String) -> [String?]? {
        var bytes = Array(text.utf8)[...]
        skipSpaces(&bytes)
        guard bytes.popFirst() == UInt8(ascii: "{") else { return nil }
        skipSpaces(&bytes)
        var elements: [String?] = []
        if bytes.first == UInt8(ascii: "}") {
            bytes.removeFirst()
        } else {
            var delimiter: UInt8?
            repeat {
                guard let element = element(&bytes) else { return nil }
                elements.append(element)
                delimiter = bytes.popFirst()
            } while delimiter == UInt8(ascii: ",")
            guard delimiter == UInt8(ascii: "}") else { return nil }
        }
        skipSpaces(&bytes)
        return bytes.isEmpty ? elements : nil
    }

    /// Reads one element and the spaces after it: `.some(nil)` for an unquoted NULL, `nil` when malformed.
    private static func element(_ bytes: inout ArraySlice<UInt8>) -> String?? {
        skipSpaces(&bytes)
        var value: [UInt8] = []
        if bytes.first == UInt8(ascii: "\"") {
            bytes.removeFirst()
            while let byte = bytes.popFirst() {
                if byte == UInt8(ascii: "\"") {
                    skipSpaces(&bytes)
                    return String(decoding: value, as: UTF8.self)
                }
                guard byte != UInt8(ascii: "\\") else {
                    guard let escaped = bytes.popFirst() else { return nil }
                    value.append(escaped)
                    continue
                }
                value.append(byte)
            }
            return nil
        }
        // Unquoted: up to a delimiter, without the spaces around it (an escaped space stays).
        var kept = 0
        var isEscaped = false
        while let byte = bytes.first, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") {
            bytes.removeFirst()
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "\""): return nil
            case UInt8(ascii: "\\"):
                guard let escaped = bytes.popFirst() else { return nil }
                value.append(escaped)
                kept = value.count
                isEscaped = true
            default:
                value.append(byte)
                if !isSpace(byte) { kept = value.count }
            }
        }
        value.removeLast(value.count - kept)
        guard !value.isEmpty else { return nil }
        let text = String(decoding: value, as: UTF8.self)
        return !isEscaped && text.lowercased() == "null" ? .some(nil) : text
    }

    /// Drops the white space (as `array_in` sees it) at the start of `bytes`.
    private static func skipSpaces(_ bytes: inout ArraySlice<UInt8>) {
        while let byte = bytes.first, isSpace(byte) { bytes.removeFirst() }
    }

    /// Whether `byte` is white space to `array_in` (`scanner_isspace`).
    private static func isSpace(_ byte: UInt8) -> Bool {
        [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C].contains(byte)
    }
}
