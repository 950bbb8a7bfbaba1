/// Writes ``RenderedValue``s as compact JSON, keeping object keys in order.
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
            writeString(RenderedValue.text(of: bytes), to: &output)
        case .masked(let count):
            writeString("<\(count) bytes masked>", to: &output)
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
