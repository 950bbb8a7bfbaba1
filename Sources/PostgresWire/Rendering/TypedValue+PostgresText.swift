import NIOCore

extension TypedValue {
    /// `bytes`, a value in binary format of type `oid`, decoded when the type is one of the common ones
    /// (``BinaryValueDecoder``) and the bytes fit it; `nil` otherwise.
    public init?(binary bytes: ByteBuffer, oid: UInt32) {
        guard let value = BinaryValueDecoder.typedValue(bytes, oid: oid) else { return nil }
        self = value
    }

    /// The text PostgreSQL's output function gives for `bytes`, a value sent in `format` as type `oid`: text-format
    /// bytes as they are, binary ones decoded for the common types; `nil` for another binary value.
    public static func postgresText(of bytes: ByteBuffer, format: FormatCode, oid: UInt32) -> String? {
        guard format == .binary else { return String(decoding: bytes.readableBytesView, as: UTF8.self) }
        return TypedValue(binary: bytes, oid: oid)?.value.postgresText
    }
}

extension TypedValue.Value {
    /// The value as PostgreSQL's text output writes it: `42`, `t`, `2024-02-29`, an array as `{1,2}` with the
    /// elements that need it quoted (`{"a b",NULL}`).
    public var postgresText: String {
        switch self {
        case .number(let text), .text(let text): text
        case .boolean(let value): value ? "t" : "f"
        case .array(let elements): "{" + elements.map(Self.arrayElementText).joined(separator: ",") + "}"
        }
    }

    /// An array element as `array_out` writes it: NULL bare, nested arrays as they are, text quoted when it is
    /// empty, `NULL`, or holds white space or one of `{},"\`.
    private static func arrayElementText(_ element: TypedValue.Value?) -> String {
        guard let element else { return "NULL" }
        let text = element.postgresText
        if case .array = element { return text }
        let needsQuotes =
            text.isEmpty || text.lowercased() == "null"
            || text.contains { "{},\"\\".contains($0) || $0.isWhitespace }
        guard needsQuotes else { return text }
        return "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
