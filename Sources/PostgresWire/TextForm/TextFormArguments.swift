import NIOCore

/// The items of one text-form line, taken one by one as a message is built; what is left over is an error.
struct TextFormArguments {
    /// Reports errors with a caret into the line.
    let scanner: TextFormScanner
    /// The items not taken yet, in line order.
    private(set) var items: [TextFormItem]
    /// The column just past the line's last character (where a missing value is reported).
    let endColumn: Int
    /// The names of the fields taken so far (a second one of a name is reported as given twice).
    private var takenNames: Set<String> = []
    /// Whether a masked secret key (`key=****`) reads as four zero bytes (``TextFormParser/acceptsMaskedKeys``).
    var acceptsMaskedKeys = false

    init(scanner: TextFormScanner, items: [TextFormItem]) {
        self.scanner = scanner
        self.items = items
        self.endColumn = scanner.line.count
    }

    /// The error `reason` at `column`.
    func error(_ reason: String, at column: Int) -> TextFormError {
        scanner.error(reason, at: column)
    }

    /// Takes the item called `name` (any of `names`).
    mutating func named(_ names: String...) -> TextFormItem? {
        guard let index = items.firstIndex(where: { $0.name.map(names.contains) ?? false }) else { return nil }
        takenNames.formUnion(names)
        return items.remove(at: index)
    }

    /// Takes the item called `name` when its value is a bare word (not a quoted string).
    mutating func namedWord(_ name: String) -> TextFormItem? {
        guard
            let index = items.firstIndex(where: {
                guard $0.name == name, case .word = $0.value.shape else { return false }
                return true
            })
        else { return nil }
        takenNames.insert(name)
        return items.remove(at: index)
    }

    /// Takes the first bare item.
    mutating func positional() -> TextFormItem? {
        guard let index = items.firstIndex(where: { $0.name == nil }) else { return nil }
        return items.remove(at: index)
    }

    /// Takes the first bare item when it is the word `word` (any case).
    mutating func keyword(_ word: String) -> TextFormItem? {
        guard let index = items.firstIndex(where: { $0.name == nil }),
            case .word(let text) = items[index].value.shape, text.lowercased() == word.lowercased()
        else { return nil }
        return items.remove(at: index)
    }

    /// Takes every item that is left, in order.
    mutating func remaining() -> [TextFormItem] {
        defer { items = [] }
        return items
    }

    /// Fails on the first item nobody took.
    func finish(_ typeName: String) throws(TextFormError) {
        guard let extra = items.first else { return }
        if let name = extra.name, takenNames.contains(name) {
            throw error("'\(name)' is given twice", at: extra.column)
        }
        if let name = extra.name {
            throw error("\(typeName) has no field '\(name)'; \\help \(typeName) lists its fields", at: extra.column)
        }
        throw error("unexpected value; \\help \(typeName) lists the fields of \(typeName)", at: extra.column)
    }

    /// Text: a quoted string, or a bare word.
    func string(_ value: TextFormValue, what: String) throws(TextFormError) -> String {
        switch value.shape {
        case .string(let text):
            // A backslash written `\x5c` is a backslash in text (only a byte field tells it from `\\`).
            guard text.unicodeScalars.contains(TextFormScanner.markedBackslash) else { return text }
            var scalars = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                scalars.append(scalar == TextFormScanner.markedBackslash ? "\\" : scalar)
            }
            return String(scalars)
        case .word(let text): return text
        default: throw error("expected \(what) (a quoted string)", at: value.column)
        }
    }

    /// Bytes: a quoted string as UTF-8 (a `\xNN` escape in it as that byte), or `"\x…"` / `\x…` as hex.
    func bytes(_ value: TextFormValue, what: String) throws(TextFormError) -> ByteBuffer {
        switch value.shape {
        case .string(let text), .word(let text):
            guard TextFormValue.looksLikeHex(text) else {
                if case .word = value.shape, text.hasPrefix("\\x") {
                    throw error("'\\x' must be followed by pairs of hex digits", at: value.column)
                }
                return ByteBuffer(bytes: WireText.originalBytes(text))
            }
            return ByteBuffer(bytes: Self.hexBytes(text.utf8.dropFirst(2)))
        default: throw error("expected \(what) (a quoted string, or \"\\x…\" hex)", at: value.column)
        }
    }

    /// Bytes or SQL NULL (the bare word `NULL`).
    func nullableBytes(_ value: TextFormValue, what: String) throws(TextFormError) -> ByteBuffer? {
        if case .word("NULL") = value.shape { return nil }
        return try bytes(value, what: what)
    }

    /// Raw hex digits (a salt, a cancel key), with or without a `\x` prefix.
    func hex(_ value: TextFormValue, what: String) throws(TextFormError) -> [UInt8] {
        var text = try string(value, what: what)
        if text.hasPrefix("\\x") { text.removeFirst(2) }
        guard text.utf8.count.isMultiple(of: 2), text.utf8.allSatisfy(\.isHexDigit) else {
            throw error("expected \(what) as pairs of hex digits", at: value.column)
        }
        return Self.hexBytes(text.utf8)
    }

    /// An integer of type `T`.
    func integer<T: FixedWidthInteger>(_ value: TextFormValue, as type: T.Type, what: String) throws(TextFormError)
        -> T
    {
        guard case .word(let text) = value.shape, let integer = T(text) else {
            throw error("expected \(what): an integer from \(T.min) to \(T.max)", at: value.column)
        }
        return integer
    }

    /// A list's elements.
    func list(_ value: TextFormValue, what: String) throws(TextFormError) -> [TextFormValue] {
        guard case .list(let elements) = value.shape else {
            throw error("expected \(what) as a list in [ ]", at: value.column)
        }
        return elements
    }

    /// A format code: `text`, `binary`, `format(N)` or a number.
    func format(_ value: TextFormValue) throws(TextFormError) -> FormatCode {
        let text = try string(value, what: "a format")
        switch text {
        case "text": return .text
        case "binary": return .binary
        default:
            var digits = Substring(text)
            if digits.hasPrefix("format("), digits.hasSuffix(")") { digits = digits.dropFirst(7).dropLast() }
            guard let code = Int16(digits) else {
                throw error("expected a format: text, binary, format(N) or a number", at: value.column)
            }
            return FormatCode(rawValue: code)
        }
    }

    /// A list of format codes.
    func formats(_ value: TextFormValue) throws(TextFormError) -> [FormatCode] {
        var codes: [FormatCode] = []
        for element in try list(value, what: "format codes") { codes.append(try format(element)) }
        return codes
    }

    /// A type OID: a built-in type's name (`int4`), `unspecified` (0) or a number.
    func typeOID(_ value: TextFormValue) throws(TextFormError) -> UInt32 {
        let text = try string(value, what: "a type")
        if let oid = PostgresTypeNames.oid(forName: text) ?? UInt32(text) { return oid }
        throw error("unknown type '\(text)': use a built-in type's name or its OID", at: value.column)
    }

    /// A list of type OIDs.
    func types(_ value: TextFormValue) throws(TextFormError) -> [UInt32] {
        var oids: [UInt32] = []
        for element in try list(value, what: "types") { oids.append(try typeOID(element)) }
        return oids
    }

    /// Payload bytes, written `[N bytes] "data"` (the count, when given, must match).
    mutating func payload(what: String) throws(TextFormError) -> ByteBuffer {
        var count: TextFormItem? = nil
        if let first = items.first(where: { $0.name == nil }), case .word(let word) = first.value.shape,
            Int(word) != nil
        {
            count = positional()
            guard keyword("bytes") != nil else { throw error("expected 'bytes' after the count", at: first.column) }
        }
        let item = named("data") ?? positional()
        guard let item else { throw error("expected \(what) (a quoted string, or \"\\x…\" hex)", at: endColumn) }
        let data = try bytes(item.value, what: what)
        if let count {
            let stated = try integer(count.value, as: Int.self, what: "a byte count")
            guard stated == data.readableBytes else {
                throw error("the count says \(stated) bytes but the data has \(data.readableBytes)", at: count.column)
            }
        }
        return data
    }

    static func hexBytes<Digits: Collection<UInt8>>(_ digits: Digits) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for digit in digits {
            let nibble: UInt8 =
                digit <= UInt8(ascii: "9")
                ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
