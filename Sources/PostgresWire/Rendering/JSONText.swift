/// Writes ``RenderedValue``s as compact JSON, keeping object keys in order.
///
/// The shapes are the contract that `docs/pgw-messages.schema.json` publishes: text is a JSON string, bytes are
/// `{"text":…}` or `{"hex":…}`, a masked secret is `{"maskedBytes":…}`.
enum JSONText {
    static func write(_ value: RenderedValue, to output: inout String) {
        switch value {
        case .string(let string) where WireText.hasEscapedBytes(string):
            // Text that is not UTF-8 is bytes: its original bytes in hex.
            output += #"{"hex":""# + HexDump.hex(WireText.originalBytes(string)) + #""}"#
        case .string(let string):
            writeString(string, to: &output)
        case .integer(let integer):
            output += String(integer)
        case .boolean(let boolean):
            output += boolean ? "true" : "false"
        case .null:
            output += "null"
        case .bytes(let bytes):
            if let text = RenderedValue.printableText(of: bytes) {
                output += #"{"text":"#
                writeString(text, to: &output)
            } else {
                output += #"{"hex":""# + HexDump.hex(bytes.readableBytesView) + "\""
            }
            output += "}"
        case .masked(let count):
            output += #"{"maskedBytes":"# + String(count) + "}"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(element, to: &output)
            }
            output += "}"
        }
    }

    /// Writes `string` quoted and escaped; a byte that is not UTF-8 (``WireText``) as `\xe9` in JSON text (a
    /// JSON-escaped backslash), or as a bare `\xe9` in `text` output (`isJSON` false), where a backslash is `\\`.
    static func writeString(_ string: String, to output: inout String, isJSON: Bool = true) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                output += "\\u" + String(control.value, radix: 16).leftPadded(to: 4)
            case let escape where WireText.escapedByte(escape) != nil:
                // A byte of text that is not UTF-8: \xe9 (a literal backslash is \\).
                output += (isJSON ? "\\\\x" : "\\x") + HexDump.hex([WireText.escapedByte(escape)!])
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
