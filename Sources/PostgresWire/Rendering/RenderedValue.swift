import NIOCore

/// A field value in a rendering, independent of the output format.
public enum RenderedValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    /// A finite number in decimal (`0.027`): bare in text lines, a JSON number.
    case number(String)
    case boolean(Bool)
    case null
    /// Raw bytes: in text lines, the text when printable UTF-8, else `\x` hex like PostgreSQL's bytea;
    /// in JSON, always an object, `{"text":…}` or `{"hex":…}`, so bytes never look like a string field.
    case bytes(ByteBuffer)
    /// A secret that was masked; the payload is its length in bytes (`{"maskedBytes":…}` in JSON).
    case masked(byteCount: Int)
    /// A binary value decoded by its type: in text lines the value (`42`, `"2024-02-29"`); in JSON the raw bytes'
    /// object with `type` and `value` added, `{"hex":"0000002a","type":"int4","value":42}`.
    ///
    /// The only indirect case (boxed), as it is the largest: the others are held inline, so rendering a field
    /// allocates nothing.
    indirect case typed(TypedValue)
    case array([RenderedValue])
    case object([(String, RenderedValue)])

    public static func == (lhs: RenderedValue, rhs: RenderedValue) -> Bool {
        lhs.jsonText == rhs.jsonText
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(jsonText)
    }

    /// The value as JSON.
    public var jsonText: String {
        var output = RenderBuffer()
        JSONText.write(self, to: &output)
        return output.string
    }

    /// Text of raw bytes: the string itself when printable UTF-8, else `\x` followed by hex digits.
    public static func text(of bytes: ByteBuffer) -> String {
        printableText(of: bytes) ?? "\\x" + HexDump.hex(bytes.readableBytesView)
    }

    /// The bytes as a string when they are valid UTF-8 without control characters other than
    /// newline, tab and carriage return; `nil` otherwise.
    public static func printableText(of bytes: ByteBuffer) -> String? {
        let isPrintable = bytes.withUnsafeReadableBytes {
            RenderBuffer.isPrintableText($0.assumingMemoryBound(to: UInt8.self))
        }
        return isPrintable ? String(decoding: bytes.readableBytesView, as: UTF8.self) : nil
    }
}
