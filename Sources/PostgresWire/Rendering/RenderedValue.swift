import NIOCore

/// A field value in a rendering, independent of the output format.
public indirect enum RenderedValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case null
    /// Raw bytes: shown as text when they are printable UTF-8, else as `\x` hex like PostgreSQL's bytea.
    case bytes(ByteBuffer)
    /// A secret that was masked; the payload is its length in bytes.
    case masked(byteCount: Int)
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
        var output = ""
        JSONText.write(self, to: &output)
        return output
    }

    /// Text of raw bytes: the string itself when printable UTF-8, else `\x` followed by hex digits.
    public static func text(of bytes: ByteBuffer) -> String {
        let view = bytes.readableBytesView
        if let string = String(validating: view, as: UTF8.self),
            string.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        {
            return string
        }
        return "\\x" + HexDump.hex(view)
    }
}
