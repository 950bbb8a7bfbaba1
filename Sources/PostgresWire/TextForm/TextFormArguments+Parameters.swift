import NIOCore

extension TextFormArguments {
    /// A Bind's (or FunctionCall's) values as `pgw decode` prints them, in the formats `formats` gives, the
    /// parameters' types being `types` (from the statement's Parse or a ParameterDescription; `nil` or 0 when not
    /// known):
    ///
    /// - `NULL` is SQL NULL; `"\\x0000002a"` is the bytes in hex, whatever the format;
    /// - in text format, a string or word is its text, a list PostgreSQL's array text (`{1,2}`);
    /// - in binary format, a number, `true`/`false` or a list (typed values, as `pgw decode` prints a binary value
    ///   of a known type) is encoded in binary by the parameter's type, which must be known; a string is encoded
    ///   by its type when the type has a binary form other than the text (`"2024-02-29"` as a date), else its
    ///   bytes are sent as they are.
    ///
    /// `what` names the values in errors (`parameter`, `argument`).
    func values(
        _ values: [TextFormValue], formats: [FormatCode], types: [UInt32]?, what: String
    ) throws(TextFormError) -> [ByteBuffer?] {
        var result: [ByteBuffer?] = []
        result.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let oid = types.flatMap { index < $0.count ? $0[index] : nil } ?? 0
            result.append(
                try self.value(value, format: formats.code(at: index), oid: oid, name: "\(what) $\(index + 1)"))
        }
        return result
    }

    /// One value of ``values(_:formats:types:what:)``; `name` is how errors call it (`parameter $1`).
    private func value(_ value: TextFormValue, format: FormatCode, oid: UInt32, name: String) throws(TextFormError)
        -> ByteBuffer?
    {
        switch value.shape {
        case .word("NULL"):
            return nil
        case .list:
            // A list in text format is PostgreSQL's array text; in binary, encoded by the type below.
            if format != .binary { return ByteBuffer(string: try typed(value).postgresText) }
        case .string(let text):
            // In binary, a string is its bytes unless the type is known and has a binary form of its own.
            guard format == .binary, !TextFormValue.looksLikeHex(text), oid != 0, BinaryValueEncoder.supports(oid),
                !BinaryValueEncoder.sendsText(oid)
            else { return try bytes(value, what: "a \(name)") }
            return try encoded(text, value: value, oid: oid, name: name)
        case .word(let text):
            guard format == .binary, Self.isTypedWord(text) else { return try bytes(value, what: "a \(name)") }
        default:
            throw error("expected a \(name): a quoted string, a number, a list or NULL", at: value.column)
        }
        // A number, true, false or a list in binary.
        guard oid != 0 else {
            throw error(
                "\(name) is in binary and its type is not known (neither the statement's Parse nor a "
                    + "ParameterDescription gave it): name the type in the Parse, such as [int4], or write the "
                    + "bytes, such as \"\\\\x0000002a\"",
                at: value.column)
        }
        return try encoded(try typed(value).postgresText, value: value, oid: oid, name: name)
    }

    /// `text`, PostgreSQL's text of a value, in the binary form of type `oid`; an error at `value` when the type
    /// has no binary form pgw writes, or the text is not a value of it.
    private func encoded(_ text: String, value: TextFormValue, oid: UInt32, name: String) throws(TextFormError)
        -> ByteBuffer
    {
        let typeName = PostgresTypeNames.knownName(forOID: oid) ?? "type \(oid)"
        guard BinaryValueEncoder.supports(oid) else {
            throw error(
                "\(name) is \(typeName) in binary, which pgw cannot encode: write the bytes, such as \"\\\\x0102\"",
                at: value.column)
        }
        guard let bytes = BinaryValueEncoder.encode(text, type: oid) else {
            throw error(
                "\(name) is \(typeName) in binary: '\(text)' is not a value of \(typeName) that pgw can encode; write the "
                    + "bytes, such as \"\\\\x0102\", or send it in text format",
                at: value.column)
        }
        return bytes
    }

    /// Whether a bare word is a typed value: `true`, `false` or a number.
    private static func isTypedWord(_ text: String) -> Bool {
        if text == "true" || text == "false" { return true }
        guard let first = text.unicodeScalars.first, "0123456789-+.".unicodeScalars.contains(first) else {
            return false
        }
        return Double(text) != nil
    }

    /// A typed value as written: a number, `true`/`false`, text, or a list of them (NULL elements).
    private func typed(_ value: TextFormValue) throws(TextFormError) -> TypedValue.Value {
        switch value.shape {
        case .word("true"): return .boolean(true)
        case .word("false"): return .boolean(false)
        case .word(let text) where Self.isTypedWord(text): return .number(text)
        case .word(let text), .string(let text): return .text(text)
        case .list(let elements):
            var array: [TypedValue.Value?] = []
            for element in elements {
                if case .word("NULL") = element.shape {
                    array.append(nil)
                } else {
                    array.append(try typed(element))
                }
            }
            return .array(array)
        default:
            throw error("expected a value: a quoted string, a number, a list or NULL", at: value.column)
        }
    }
}
