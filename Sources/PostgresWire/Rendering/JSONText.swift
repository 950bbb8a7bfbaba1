/// Writes ``RenderedValue``s as compact JSON, keeping object keys in order.
///
/// The shapes are the contract that `docs/pgw-messages.schema.json` publishes: text is a JSON string, bytes are
/// `{"text":…}` or `{"hex":…}`, a masked secret is `{"maskedBytes":…}`.
enum JSONText {
    static func write(_ value: RenderedValue, to output: inout String) {
        switch value {
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

    static func writeString(_ string: String, to output: inout String) {
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
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
