/// What a received message should be: `TYPE [field=value…]`, as the REPL's `\expect` takes it
/// (`ReadyForQuery status=I`, `ErrorResponse code=42601`, `DataRow columns=["1", NULL]`).
///
/// Field names are the JSON Lines names (`docs/pgw-messages.schema.json`); an ErrorResponse's or NoticeResponse's
/// fields (`code`, `message`, `severity`, …) and a StartupMessage's parameters (`user`, `database`, …) are matched
/// by their own names too. Values compare as the text form
/// shows them: integers in decimal, bytes as text or `\x` hex, SQL NULL as `NULL`, lists element by element.
public struct TextFormExpectation: Sendable, Hashable, CustomStringConvertible {
    /// The message type, as typed.
    public var typeName: String
    /// The fields to check.
    public var fields: [TextFormItem]
    /// The text as typed.
    public var description: String

    /// Parses `TYPE [field=value…]`.
    public init(parsing text: String) throws(TextFormError) {
        var scanner = TextFormScanner(line: text)
        guard scanner.skipSpace(comments: false), let type = scanner.word(), case .word(let name) = type.shape else {
            throw scanner.error("expected a message type, such as ReadyForQuery", at: scanner.column)
        }
        let known = TextFormParser.typeNames(of: .frontend) + TextFormParser.typeNames(of: .backend)
        guard known.contains(where: { $0.lowercased() == name.lowercased() }) else {
            throw scanner.error("unknown message type '\(name)'; \\help lists them", at: type.column)
        }
        let items = try scanner.items()
        if let bare = items.first(where: { $0.name == nil }) {
            throw scanner.error("expected field=value, such as tag=\"SELECT 1\"", at: bare.column)
        }
        self.typeName = name
        self.fields = items
        self.description = String(text.drop { $0 == " " || $0 == "\t" })
    }

    /// Why `message` does not match; `nil` when it does.
    public func mismatch(_ message: WireMessage) -> String? {
        guard message.typeName.lowercased() == typeName.lowercased() else { return "the type differs" }
        let rendered = message.rendered(options: .lossless).fields
        var available = rendered
        for (name, value) in rendered where name == "fields" || name == "parameters" {
            if case .object(let members) = value { available += members }
        }
        for field in fields {
            guard let name = field.name, let actual = available.first(where: { $0.0 == name })?.1 else {
                return "\(message.typeName) has no field '\(field.name ?? "")'"
            }
            if !Self.matches(field.value, actual) {
                return "\(name) is \(Self.text(of: actual))"
            }
        }
        return nil
    }

    private static func matches(_ expected: TextFormValue, _ actual: RenderedValue) -> Bool {
        switch (expected.shape, actual) {
        case (.list(let elements), .array(let values)):
            return elements.count == values.count && zip(elements, values).allSatisfy { matches($0, $1) }
        case (.word(let text), _), (.string(let text), _):
            return text == scalarText(of: actual)
        default:
            return false
        }
    }

    private static func scalarText(of value: RenderedValue) -> String {
        switch value {
        case .string(let string): string
        case .integer(let integer): String(integer)
        case .number(let number): number
        case .boolean(let boolean): String(boolean)
        case .null: "NULL"
        case .bytes(let bytes): RenderedValue.text(of: bytes)
        case .typed(let typed): RenderedValue.text(of: typed.bytes)
        case .masked: "****"
        case .array, .object: value.jsonText
        }
    }

    /// `value` as the text form writes it, so that it can be typed back: `["1", NULL]`, not JSON.
    private static func text(of value: RenderedValue) -> String {
        switch value {
        case .array(let elements): "[" + elements.map(text(of:)).joined(separator: ", ") + "]"
        case .null: "NULL"
        case .string, .bytes, .typed: value.jsonText.hasPrefix("{") ? "\"\(scalarText(of: value))\"" : value.jsonText
        default: value.jsonText
        }
    }
}
