import NIOCore

/// Writes ``RenderedValue``s as compact JSON, keeping object keys in order.
///
/// The shapes are the contract that `docs/pgw-messages.schema.json` publishes: text is a JSON string, bytes are
/// `{"text":…}` or `{"hex":…}`, a masked secret is `{"maskedBytes":…}`.
///
/// Hand-written rather than Foundation's `JSONEncoder`/`JSONSerialization`, which do not keep members in wire order
/// (`JSONSerialization`) or need a type per shape (`JSONEncoder`), and are much slower: the lines are written
/// through ``RenderBuffer`` straight into the output, strings escaped by scanning their UTF-8 bytes and copying
/// unescaped runs in bulk. Measured (release build, 2 shared cores, 300,000 renderings of one 298-byte CopyData line
/// with connection and time members): 0.52–0.72 M lines/s, against 65–80 k lines/s for `JSONEncoder` with a
/// `Codable` struct and 6–7 k lines/s for `JSONSerialization` with a dictionary (swift-corelibs-foundation).
enum JSONText {
    /// Appends `value` as JSON to `output`.
    static func write(_ value: RenderedValue, to output: inout RenderBuffer) {
        switch value {
        case .string(let string):
            if RenderBuffer.hasEscapedBytes(string) {
                // Text that is not UTF-8 is bytes: its original bytes in hex.
                output.append(#"{"hex":""#)
                output.append(string: HexDump.hex(WireText.originalBytes(string)))
                output.append(#""}"#)
            } else {
                output.appendJSONString(string)
            }
        case .integer(let integer):
            output.appendDecimal(integer)
        case .number(let number):
            output.append(string: number)
        case .boolean(let boolean):
            output.append(boolean ? "true" : "false")
        case .null:
            output.append("null")
        case .bytes(let bytes):
            writeBytes(bytes, to: &output)
        case .typed(let typed):
            writeBytes(typed.bytes, typed: typed, to: &output)
        case .masked(let count):
            output.append(#"{"maskedBytes":"#)
            output.appendDecimal(count)
            output.append("}")
        case .array(let elements):
            output.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(",") }
                write(element, to: &output)
            }
            output.append("]")
        case .object(let members):
            output.append("{")
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { output.append(",") }
                output.appendJSONString(key)
                output.append(":")
                write(element, to: &output)
            }
            output.append("}")
        }
    }

    /// Appends raw bytes: `{"text":…}` when printable UTF-8, `{"hex":…}` otherwise; with `typed`, the members
    /// `type` and `value` follow.
    static func writeBytes(_ bytes: ByteBuffer, typed: TypedValue? = nil, to output: inout RenderBuffer) {
        bytes.withUnsafeReadableBytes { writeBytes($0.assumingMemoryBound(to: UInt8.self), typed: typed, to: &output) }
    }

    /// ``writeBytes(_:typed:to:)`` for bytes in place (a DataRow's column).
    static func writeBytes(_ input: UnsafeBufferPointer<UInt8>, typed: TypedValue?, to output: inout RenderBuffer) {
        if RenderBuffer.isPrintableText(input) {
            output.append(#"{"text":""#)
            output.appendEscaped(input, isJSON: true)
        } else {
            output.append(#"{"hex":""#)
            output.appendHex(input)
        }
        output.append("\"")
        if let typed {
            output.append(#","type":"#)
            output.appendJSONString(typed.typeName)
            output.append(#","value":"#)
            write(typed.value, to: &output)
        }
        output.append("}")
    }

    /// Appends a typed value: a number bare, text as a string, an array as an array.
    static func write(_ value: TypedValue.Value, to output: inout RenderBuffer) {
        switch value {
        case .number(let number): output.append(string: number)
        case .boolean(let boolean): output.append(boolean ? "true" : "false")
        case .text(let text): write(.string(text), to: &output)
        case .array(let elements):
            output.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(",") }
                if let element { write(element, to: &output) } else { output.append("null") }
            }
            output.append("]")
        }
    }
}
