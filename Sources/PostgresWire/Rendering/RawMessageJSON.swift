/// JSON lines written straight from a typed message's bytes, for the messages a session carries most (a simple or
/// extended query and its answer, COPY data): the line ``DecodedMessage/write(as:options:linePrefix:jsonMembers:textSuffix:to:)``
/// writes for the decoded message, without decoding it first (no message value, no strings or arrays per message).
///
/// Only plain messages are written this way. For another type, a string that is not printable UTF-8 (or may hold
/// an escaped byte), or a body that decoding would reject, ``appendLine(typeByte:body:direction:offset:jsonMembers:cache:to:)``
/// returns `false` and leaves the output as it was: the caller decodes that message and writes it the general way,
/// which shows it, or its error, as always.
package enum RawMessageJSON {
    /// Appends the JSON line (without a newline) of the typed message with `typeByte` and `body` (the bytes after
    /// the length word) at stream `offset`, sent in `direction`, with `jsonMembers` after `length`, as the decoded
    /// message's line without value types is written, whatever the render options (these messages hold no secret,
    /// and JSON values are never cut). The line is copied from `cache` when it holds one for this body (with this
    /// offset and these members), and kept there otherwise. A DataRow with `rowTypes` (its columns' types, as
    /// ``ValueTypeTracker`` knows them) is written as the decoded message with these types is, its binary values
    /// typed, and not cached. Returns `false`, with `output` unchanged, when the message is not one this writes.
    package static func appendLine(
        typeByte: UInt8, body: UnsafeRawBufferPointer, direction: MessageDirection, offset: Int,
        jsonMembers: JSONLineMembers, rowTypes: [ValueType]? = nil, cache: inout RawMessageJSONCache,
        to output: inout [UInt8]
    ) -> Bool {
        let name =
            direction == .frontend
            ? FrontendMessage.typeName(forTypeByte: typeByte, passwordKind: nil)
            : BackendMessage.typeName(forTypeByte: typeByte)
        guard let name, typeByte != UInt8(ascii: "p") else { return false }
        var buffer = RenderBuffer(continuing: consume output)
        defer { output = buffer.bytes }
        let isTyped = rowTypes != nil && typeByte == UInt8(ascii: "D") && direction == .backend
        if !isTyped,
            cache.appendLine(
                typeByte: typeByte, direction: direction, body: body, offset: offset, members: jsonMembers, to: &buffer)
        {
            return true
        }
        let start = buffer.bytes.count
        let marks = buffer.appendJSONLineStart(
            direction: direction, typeName: name, offset: offset, length: body.count + 5, members: jsonMembers)
        let fieldsStart = buffer.bytes.count
        guard appendFields(typeByte, direction, body, rowTypes: isTyped ? rowTypes : nil, to: &buffer) else {
            buffer.bytes.removeSubrange(start...)
            return false
        }
        buffer.append("}")
        guard !isTyped else { return true }
        cache.keep(
            typeByte: typeByte, direction: direction, body: body, line: buffer.bytes[start...],
            parts: (marks.offset - start, marks.length - start, marks.members - start, fieldsStart - start))
        return true
    }

    /// Appends the fields of the message (a DataRow's typed by `rowTypes` when its columns are as many); `false`
    /// when not written (perhaps in part).
    private static func appendFields(
        _ typeByte: UInt8, _ direction: MessageDirection, _ body: UnsafeRawBufferPointer, rowTypes: [ValueType]?,
        to buffer: inout RenderBuffer
    ) -> Bool {
        if typeByte == UInt8(ascii: "d") || (typeByte == UInt8(ascii: "D") && direction == .backend) {
            // The bulk of a session: written by the frame writer `pgw decode` uses, once a DataRow's columns check.
            if typeByte == UInt8(ascii: "D") {
                do throws(WireFormatError) { try DataRow.forEachColumn(inBody: body) { _, _ in } } catch {
                    return false
                }
            }
            var builder = RenderingBuilder(options: RenderOptions(), target: .jsonMembers, output: consume buffer)
            if let rowTypes, rowTypes.count == Int(UInt16(bigEndian: body.loadUnaligned(as: UInt16.self))) {
                builder.valueTypes = rowTypes
            }
            RawMessageFrame(typeByte: typeByte, body: body, streamOffset: 0).render(into: &builder)
            buffer = builder.json
            return true
        }
        var reader = Reader(body: body)
        return appendFields(typeByte, direction, &reader, to: &buffer) && reader.isAtEnd
    }

    /// The fields of the message, as ``FrontendMessage``'s and ``BackendMessage``'s renderers write them; `false`
    /// when not written.
    private static func appendFields(
        _ typeByte: UInt8, _ direction: MessageDirection, _ reader: inout Reader, to buffer: inout RenderBuffer
    ) -> Bool {
        let frontend = direction == .frontend
        switch (typeByte, frontend) {
        // Both ways: CopyDone (CopyData is written as a frame).
        case (UInt8(ascii: "c"), _):
            return true
        // From the client.
        case (UInt8(ascii: "Q"), true):
            return reader.appendString(",\"query\":", to: &buffer)
        case (UInt8(ascii: "S"), true), (UInt8(ascii: "H"), true), (UInt8(ascii: "X"), true):
            return true
        case (UInt8(ascii: "P"), true):
            return reader.appendString(",\"name\":", to: &buffer) && reader.appendString(",\"query\":", to: &buffer)
                && reader.appendTypes(",\"parameterTypes\":", to: &buffer)
        case (UInt8(ascii: "B"), true):
            return reader.appendString(",\"portal\":", to: &buffer)
                && reader.appendString(",\"statement\":", to: &buffer)
                && reader.appendFormats(",\"parameterFormats\":", to: &buffer)
                && reader.appendParameters(to: &buffer) && reader.appendFormats(",\"resultFormats\":", to: &buffer)
        case (UInt8(ascii: "D"), true), (UInt8(ascii: "C"), true):
            guard let byte = reader.integer(UInt8.self), let kind = ObjectKind(rawValue: byte) else { return false }
            buffer.append(",\"kind\":")
            buffer.appendJSONString(kind.description)
            return reader.appendString(",\"name\":", to: &buffer)
        case (UInt8(ascii: "E"), true):
            guard reader.appendString(",\"portal\":", to: &buffer), let maxRows = reader.integer(Int32.self) else {
                return false
            }
            buffer.append(",\"maxRows\":")
            buffer.appendDecimal(maxRows)
            return true
        // From the server.
        case (UInt8(ascii: "T"), false):
            return reader.appendColumnDescriptions(to: &buffer)
        case (UInt8(ascii: "C"), false):
            return reader.appendString(",\"tag\":", to: &buffer)
        case (UInt8(ascii: "Z"), false):
            guard let byte = reader.integer(UInt8.self), TransactionStatus(rawValue: byte) != nil else { return false }
            buffer.append(",\"status\":\"")
            buffer.append(byte: byte)
            buffer.append("\"")
            return true
        case (UInt8(ascii: "t"), false):
            return reader.appendTypes(",\"parameterTypes\":", to: &buffer)
        case (UInt8(ascii: "1"), false), (UInt8(ascii: "2"), false), (UInt8(ascii: "3"), false),
            (UInt8(ascii: "n"), false), (UInt8(ascii: "I"), false), (UInt8(ascii: "s"), false):
            return true
        default:
            return false
        }
    }
}

extension RawMessageJSON {
    /// Reads a message body in place and writes its parts as JSON members; each method returns `false` when the
    /// part is missing, malformed or not plain, and the line is then given up.
    private struct Reader {
        /// The message body.
        let body: UnsafeRawBufferPointer
        /// Where the next read starts.
        var index = 0

        /// Whether the whole body has been read (decoding rejects trailing bytes).
        var isAtEnd: Bool { index == body.count }

        /// The next big-endian integer; `nil` when too few bytes are left.
        mutating func integer<Integer: FixedWidthInteger>(_: Integer.Type) -> Integer? {
            let size = MemoryLayout<Integer>.size
            guard body.count - index >= size else { return nil }
            defer { index += size }
            return Integer(bigEndian: body.loadUnaligned(fromByteOffset: index, as: Integer.self))
        }

        /// The next `count` bytes; `nil` when fewer are left.
        mutating func bytes(_ count: Int) -> UnsafeBufferPointer<UInt8>? {
            guard count >= 0, body.count - index >= count else { return nil }
            defer { index += count }
            return UnsafeRawBufferPointer(rebasing: body[index..<(index + count)]).assumingMemoryBound(to: UInt8.self)
        }

        /// Writes `member` (`,"name":`) and the zero-terminated string that comes next as a JSON string, when it is
        /// printable UTF-8 without the lead byte of an escaped byte (``WireText``), so that it reads as the same
        /// `String` and renders to the same bytes.
        mutating func appendString(_ member: StaticString, to buffer: inout RenderBuffer) -> Bool {
            let rest = UnsafeRawBufferPointer(rebasing: body[index...])
            guard let length = rest.firstIndex(of: 0), let text = bytes(length) else { return false }
            index += 1
            guard RenderBuffer.isPrintableText(text), !text.contains(0xF4) else { return false }
            buffer.append(member)
            buffer.append(byte: UInt8(ascii: "\""))
            buffer.appendEscaped(text, isJSON: true)
            buffer.append(byte: UInt8(ascii: "\""))
            return true
        }

        /// Writes `member` and a counted list of type OIDs as their names (a Parse's or ParameterDescription's).
        mutating func appendTypes(_ member: StaticString, to buffer: inout RenderBuffer) -> Bool {
            appendNamedList(member, of: UInt32.self, PostgresTypeNames.name(forOID:), to: &buffer)
        }

        /// Writes `member` and a counted list of format codes by name (a Bind's).
        mutating func appendFormats(_ member: StaticString, to buffer: inout RenderBuffer) -> Bool {
            appendNamedList(member, of: Int16.self, { FormatCode(rawValue: $0).description }, to: &buffer)
        }

        /// Writes `member` and a list of a 16-bit count of `Integer`s, each as the JSON string `name` gives it.
        mutating func appendNamedList<Integer: FixedWidthInteger>(
            _ member: StaticString, of type: Integer.Type, _ name: (Integer) -> String, to buffer: inout RenderBuffer
        ) -> Bool {
            appendCountedList(member, to: &buffer) { reader, buffer in
                guard let value = reader.integer(type) else { return false }
                buffer.appendJSONString(name(value))
                return true
            }
        }

        /// Writes `member` and a JSON array of a 16-bit count of elements, each written by `element` (`false` when
        /// the body ends inside one).
        mutating func appendCountedList(
            _ member: StaticString, to buffer: inout RenderBuffer,
            element: (inout Reader, inout RenderBuffer) -> Bool
        ) -> Bool {
            guard let count = integer(UInt16.self) else { return false }
            buffer.append(member)
            buffer.append("[")
            for position in 0..<Int(count) {
                if position > 0 { buffer.append(",") }
                guard element(&self, &buffer) else { return false }
            }
            buffer.append("]")
            return true
        }

        /// Writes a Bind's counted parameter values (`"parameters"`), untyped, as a session without types shows them.
        mutating func appendParameters(to buffer: inout RenderBuffer) -> Bool {
            appendCountedList(",\"parameters\":", to: &buffer) { reader, buffer in
                guard let length = reader.integer(Int32.self) else { return false }
                if length == -1 {
                    buffer.append("null")
                } else {
                    guard let value = reader.bytes(Int(length)) else { return false }
                    JSONText.writeBytes(value, typed: nil, to: &buffer)
                }
                return true
            }
        }

        /// Writes a RowDescription's columns (`"columns"`), each an object of its attributes.
        mutating func appendColumnDescriptions(to buffer: inout RenderBuffer) -> Bool {
            appendCountedList(",\"columns\":", to: &buffer) { reader, buffer in
                guard reader.appendString("{\"name\":", to: &buffer), let tableOID = reader.integer(UInt32.self),
                    let attribute = reader.integer(Int16.self), let typeOID = reader.integer(UInt32.self),
                    let typeSize = reader.integer(Int16.self), let modifier = reader.integer(Int32.self),
                    let format = reader.integer(Int16.self)
                else { return false }
                buffer.append(",\"tableOID\":")
                buffer.appendDecimal(tableOID)
                buffer.append(",\"columnAttributeNumber\":")
                buffer.appendDecimal(attribute)
                buffer.append(",\"dataType\":")
                buffer.appendJSONString(PostgresTypeNames.name(forOID: typeOID))
                buffer.append(",\"dataTypeOID\":")
                buffer.appendDecimal(typeOID)
                buffer.append(",\"dataTypeSize\":")
                buffer.appendDecimal(typeSize)
                buffer.append(",\"typeModifier\":")
                buffer.appendDecimal(modifier)
                buffer.append(",\"format\":")
                buffer.appendJSONString(FormatCode(rawValue: format).description)
                buffer.append("}")
                return true
            }
        }
    }
}

extension RenderBuffer {
    /// The start of a message's JSON line, up to its fields: `schema`, `direction`, `type`, `offset` and `length`
    /// (of the whole message), then `members`. Returns where the offset's digits, `,"length":` and the members
    /// start in ``bytes``.
    @discardableResult
    mutating func appendJSONLineStart(
        direction: MessageDirection, typeName: String, offset: Int, length: Int, members: JSONLineMembers
    ) -> (offset: Int, length: Int, members: Int) {
        append(#"{"schema":"#)
        appendDecimal(RenderFormat.jsonSchemaVersion)
        append(direction == .frontend ? #","direction":"frontend","type":"# : #","direction":"backend","type":"#)
        appendJSONString(typeName)
        append(#","offset":"#)
        let offsetStart = bytes.count
        appendDecimal(offset)
        let lengthStart = bytes.count
        append(#","length":"#)
        appendDecimal(length)
        let membersStart = bytes.count
        append(rendered: members.bytes)
        return (offsetStart, lengthStart, membersStart)
    }
}
