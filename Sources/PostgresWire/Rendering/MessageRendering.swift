import NIOCore

/// A message prepared for display: a one-line summary and named fields.
public struct MessageRendering: Sendable {
    /// Who sent the message.
    public var direction: MessageDirection
    /// The protocol docs' name of the message.
    public var type: String
    /// The fields after the type on the text line, such as `"select 1"` for a Query.
    public var summary: String
    /// The fields by name, in wire order.
    public var fields: [(String, RenderedValue)]
    /// Whether any field was masked.
    public var hasMaskedSecrets: Bool

    /// One readable line: the type and its summary, such as `Query "select 1"`.
    public var textLine: String { summary.isEmpty ? type : type + " " + summary }

    /// One JSON Lines object: `schema`, `direction`, `type`, `offset` and `length` (of the whole message, header
    /// included), then `context` (the connection and time, for commands that see several), then the fields;
    /// `docs/pgw-messages.schema.json` describes every message type's members.
    public func jsonLine(offset: Int, length: Int, context: [(String, RenderedValue)] = []) -> String {
        let header: [(String, RenderedValue)] = [
            ("schema", .integer(Int64(RenderFormat.jsonSchemaVersion))), ("direction", .string(direction.rawValue)),
            ("type", .string(type)), ("offset", .integer(Int64(offset))), ("length", .integer(Int64(length))),
        ]
        return RenderedValue.object(header + context + fields).jsonText
    }
}

/// Builds renderings; shared by the frontend and backend message renderers.
struct RenderingBuilder {
    let options: RenderOptions
    var fields: [(String, RenderedValue)] = []
    var summaryParts: [String] = []
    var hasMaskedSecrets = false

    init(options: RenderOptions) {
        self.options = options
    }

    mutating func field(_ name: String, _ value: RenderedValue) {
        fields.append((name, value))
    }

    mutating func summary(_ part: String) {
        summaryParts.append(part)
    }

    /// A value that is shown only with `revealSecrets`.
    mutating func secret(_ value: RenderedValue, byteCount: Int) -> RenderedValue {
        if options.revealSecrets { return value }
        hasMaskedSecrets = true
        return .masked(byteCount: byteCount)
    }

    /// Adds a salt or cancel key: `{"hex":…}` in JSON (masked unless revealed when `isSecret`); returns its text.
    mutating func hexField(_ name: String, _ bytes: [UInt8], isSecret: Bool) -> String {
        if isSecret && !options.revealSecrets {
            hasMaskedSecrets = true
            field(name, .masked(byteCount: bytes.count))
            return text(.masked(byteCount: bytes.count))
        }
        let hex = HexDump.hex(bytes)
        field(name, .object([("hex", .string(hex))]))
        return hex
    }

    /// `value` for a text line: strings quoted, long values cut.
    func text(_ value: RenderedValue) -> String {
        switch value {
        case .string(let string): return quoted(string)
        case .bytes(let bytes):
            if options.isLossless, let text = RenderedValue.printableText(of: bytes), TextFormValue.looksLikeHex(text) {
                return quoted("\\x" + HexDump.hex(bytes.readableBytesView))
            }
            return quoted(RenderedValue.text(of: bytes))
        case .integer(let integer): return String(integer)
        case .boolean(let boolean): return String(boolean)
        case .null: return "NULL"
        case .masked: return "****"
        case .array(let elements): return "[" + elements.map(text).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.map { "\($0.0)=\(text($0.1))" }.joined(separator: " ") + "}"
        }
    }

    func quoted(_ string: String) -> String {
        var escaped = ""
        JSONText.writeString(string, to: &escaped, isJSON: false)
        let limit = options.maximumTextValueLength
        guard !options.isLossless, escaped.count > limit + 2 else { return escaped }
        return String(escaped.prefix(limit)) + "\"…(\(string.utf8.count) bytes)"
    }

    /// A name written bare in the default form (a startup parameter, a setting); quoted in lossless lines when
    /// it is not a plain word.
    func name(_ name: String) -> String {
        options.isLossless && !TextFormValue.isPlainWord(name) ? quoted(name) : name
    }

    func build(_ direction: MessageDirection, _ type: String) -> MessageRendering {
        MessageRendering(
            direction: direction,
            type: type,
            summary: summaryParts.joined(separator: " "),
            fields: fields,
            hasMaskedSecrets: hasMaskedSecrets
        )
    }
}

extension RenderedValue {
    /// A nullable byte value.
    static func nullableBytes(_ bytes: ByteBuffer?) -> RenderedValue {
        bytes.map { .bytes($0) } ?? .null
    }

    /// Named text values as an object. A name that repeats (a StartupMessage giving a parameter twice, a crafted
    /// ErrorResponse) becomes one member holding all its values in order, so no object has a key twice.
    static func namedValues(_ pairs: [(name: String, value: String)]) -> RenderedValue {
        var names: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in pairs {
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(value)
        }
        return .object(
            names.map { name in
                let all = values[name]!
                return (name, all.count == 1 ? .string(all[0]) : .array(all.map { .string($0) }))
            })
    }

    /// Format codes by name.
    static func formats(_ codes: [FormatCode]) -> RenderedValue {
        .array(codes.map { .string($0.description) })
    }

    /// Type OIDs by name.
    static func types(_ oids: [UInt32]) -> RenderedValue {
        .array(oids.map { .string(PostgresTypeNames.name(forOID: $0)) })
    }
}
