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

/// Builds a message's rendering; shared by the frontend and backend message renderers, which describe each
/// message once as fields (``field(_:_:)``) and text-line parts (``summary(_:)``).
///
/// What is built depends on the target: a ``MessageRendering`` collects both; a text line or a JSON line is
/// written straight into its output buffer, and the other half is not computed at all.
struct RenderingBuilder {
    /// What the builder writes.
    enum Target {
        /// A ``MessageRendering``: the fields, and the summary in ``line``.
        case rendering
        /// The text line in ``line``, after what it already holds (the prefix and the type).
        case textLine
        /// The fields as JSON members (`,"name":value`) in ``json``, after what it already holds (the header).
        case jsonMembers
    }

    /// How values are shown.
    let options: RenderOptions
    /// What is built.
    let target: Target
    /// The fields, for ``Target/rendering``.
    var fields: [(String, RenderedValue)] = []
    /// The summary parts written so far, each after a space.
    var line: TextLineWriter
    /// Where the summary starts in ``line``.
    private let summaryStart: Int
    /// The JSON members, for ``Target/jsonMembers``.
    var json: RenderBuffer
    /// Whether a secret was masked.
    var hasMaskedSecrets = false
    /// The types of the message's values (a Bind's parameters, a DataRow's columns), when the session told them.
    var valueTypes: [ValueType]?

    /// A builder for `target`, going on after the bytes in `output` (the text line's or JSON line's start).
    init(options: RenderOptions, target: Target = .rendering, output: RenderBuffer = RenderBuffer(capacity: 64)) {
        self.options = options
        self.target = target
        switch target {
        case .rendering, .textLine:
            line = TextLineWriter(buffer: output, options: options)
            json = RenderBuffer(capacity: 0)
        case .jsonMembers:
            line = TextLineWriter(buffer: RenderBuffer(capacity: 0), options: options)
            json = output
        }
        summaryStart = line.buffer.bytes.count
    }

    /// Adds a field; `value` is computed only when the target shows fields.
    mutating func field(_ name: StaticString, _ value: @autoclosure () -> RenderedValue) {
        switch target {
        case .rendering:
            fields.append(("\(name)", value()))
        case .jsonMembers:
            json.appendMemberName(name)
            JSONText.write(value(), to: &json)
        case .textLine:
            break
        }
    }

    /// Adds a field of raw bytes in place, written straight into a JSON line; `slice` takes them as a buffer for a
    /// ``MessageRendering``.
    mutating func bytesField(_ name: StaticString, _ value: UnsafeBufferPointer<UInt8>, slice: () -> ByteBuffer) {
        guard target == .jsonMembers else { return field(name, .bytes(slice())) }
        json.appendMemberName(name)
        JSONText.writeBytes(value, typed: nil, to: &json)
    }

    /// Adds a field of nullable raw bytes (a DataRow's columns, a Bind's parameters) as an array, without building
    /// one value per element for a JSON line; binary values of a known type are typed (see ``typedValue(_:at:types:options:)``).
    mutating func bytesListField(_ name: StaticString, _ values: some NullableBytesList) {
        guard target == .jsonMembers else {
            let (types, options) = (valueTypes, options)
            var elements: [RenderedValue] = []
            values.forEachValue { index, value, slice in
                guard value != nil else { return elements.append(.null) }
                let bytes = slice()
                let typed = Self.typedValue(bytes, at: index, types: types, options: options)
                elements.append(typed.map(RenderedValue.typed) ?? .bytes(bytes))
            }
            field(name, .array(elements))
            return
        }
        json.appendMemberName(name)
        json.append("[")
        let (types, options) = (valueTypes, options)
        values.forEachValue { index, value, slice in
            if index > 0 { json.append(",") }
            if let value {
                let typed =
                    Self.isTyped(at: index, types: types, options: options)
                    ? Self.typedValue(slice(), at: index, types: types, options: options) : nil
                JSONText.writeBytes(value, typed: typed, to: &json)
            } else {
                json.append("null")
            }
        }
        json.append("]")
    }

    /// The value at `index` decoded by its type, when it is binary, its type (in `types`) is known and one of the
    /// common ones, and the line is not lossless (`options`; a lossless line keeps the raw bytes, to parse back).
    private static func typedValue(
        _ bytes: ByteBuffer, at index: Int, types: [ValueType]?, options: RenderOptions
    ) -> TypedValue? {
        guard isTyped(at: index, types: types, options: options), let types else { return nil }
        return BinaryValueDecoder.typedValue(bytes, oid: types[index].oid)
    }

    /// Whether the value at `index` may be typed: it is binary, its type is known and the line is not lossless.
    private static func isTyped(at index: Int, types: [ValueType]?, options: RenderOptions) -> Bool {
        guard !options.isLossless, let types, index < types.count else { return false }
        return types[index].format == .binary
    }

    /// Whether the value at `index` is in text format, as `formats` (a Bind's codes) or else `types` say.
    private static func isText(at index: Int, formats: [FormatCode]?, types: [ValueType]?) -> Bool {
        if let formats { return formats.code(at: index) == .text }
        guard let types, index < types.count else { return false }
        return types[index].format == .text
    }

    /// Adds a part of the text line after a space; `write` runs only when the target shows the text line.
    mutating func summary(_ write: (inout TextLineWriter) -> Void) {
        guard target != .jsonMembers else { return }
        line.buffer.append(byte: UInt8(ascii: " "))
        write(&line)
    }

    /// Adds `label` and the list of nullable raw bytes `values` to the text line: `["1", NULL, "\\x0001"]`. A value
    /// in text format (as `formats`, a Bind's codes, or else the value types say) is shown as text, escaped where it
    /// is not UTF-8 (``TextLineWriter/text(_:)``).
    mutating func bytesListSummary(
        _ label: StaticString, _ values: some NullableBytesList, formats: [FormatCode]? = nil
    ) {
        let (types, options) = (valueTypes, options)
        summary { line in
            line.append(label)
            line.append("[")
            values.forEachValue { index, value, slice in
                if index > 0 { line.append(", ") }
                guard let value else { return line.append("NULL") }
                if Self.isTyped(at: index, types: types, options: options),
                    let typed = Self.typedValue(slice(), at: index, types: types, options: options)
                {
                    line.typed(typed.value, isBytea: typed.typeName == "bytea" || typed.typeName == "_bytea")
                } else if Self.isText(at: index, formats: formats, types: types) {
                    line.text(value)
                } else {
                    line.bytes(value)
                }
            }
            line.append("]")
        }
    }

    /// A value that is shown only with `revealSecrets`.
    mutating func secret(_ value: RenderedValue, byteCount: Int) -> RenderedValue {
        if options.revealSecrets { return value }
        hasMaskedSecrets = true
        return .masked(byteCount: byteCount)
    }

    /// Adds a salt or cancel key: `{"hex":…}` in JSON (masked unless revealed when `isSecret`); returns its text.
    mutating func hexField(_ name: StaticString, _ bytes: [UInt8], isSecret: Bool) -> String {
        if isSecret && !options.revealSecrets {
            hasMaskedSecrets = true
            field(name, .masked(byteCount: bytes.count))
            return "****"
        }
        let hex = HexDump.hex(bytes)
        field(name, .object([("hex", .string(hex))]))
        return hex
    }

    /// Ends a text line: a single empty summary part leaves no space after the type.
    mutating func finishTextLine() {
        if line.buffer.bytes.count == summaryStart + 1 { line.buffer.bytes.removeLast() }
    }

    /// The ``MessageRendering`` collected (for ``Target/rendering``).
    func build(_ direction: MessageDirection, _ type: String) -> MessageRendering {
        let summary = line.buffer.bytes.count > summaryStart ? line.buffer.bytes[(summaryStart + 1)...] : []
        return MessageRendering(
            direction: direction,
            type: type,
            summary: String(decoding: summary, as: UTF8.self),
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
