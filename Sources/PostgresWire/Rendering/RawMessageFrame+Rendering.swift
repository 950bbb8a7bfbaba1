import NIOCore

extension RawMessageFrame {
    /// Appends the message, a DataRow or CopyData framed in place (as ``SessionDecoder/nextEvent(framingBulkMessages:)``
    /// hands them out), in `format` to `output`: the line that
    /// ``DecodedMessage/write(as:options:linePrefix:jsonMembers:textSuffix:to:)`` writes for the same message decoded,
    /// written from the bytes in place. `format` is text or JSON; the hex format takes decoded messages.
    public func write(
        as format: RenderFormat, from direction: MessageDirection, valueTypes: [ValueType]?,
        options: RenderOptions = RenderOptions(), linePrefix: String = "", jsonMembers: JSONLineMembers = .none,
        textSuffix: String = "", to output: inout [UInt8]
    ) {
        precondition(format != .hex, "the hex format takes decoded messages")
        MessageLine.write(
            as: format, direction: direction, typeName: typeName(from: direction), offset: streamOffset,
            length: wireLength, valueTypes: valueTypes, options: options, linePrefix: linePrefix,
            jsonMembers: jsonMembers, textSuffix: textSuffix, to: &output
        ) { builder in render(into: &builder) }
    }

    /// Describes the message to `builder`: a DataRow's columns, or a CopyData's payload.
    func render(into builder: inout RenderingBuilder) {
        if typeByte == UInt8(ascii: "D") {
            let row = DataRowInPlace(body: body)
            builder.bytesListField("columns", row)
            builder.bytesListSummary("", row)
        } else {
            let payload = UnsafeBufferPointer(
                start: body.baseAddress?.assumingMemoryBound(to: UInt8.self), count: body.count)
            FrontendMessage.renderPayload(payload, into: &builder) { ByteBuffer(bytes: payload) }
        }
    }

    /// The message type's name (`DataRow`, `CopyData`), for a frame sent in `direction`.
    public func typeName(from direction: MessageDirection) -> String {
        Self.typeName(forTypeByte: typeByte, from: direction)
    }

    /// The name of the message type with `typeByte` sent in `direction`, for a message framed in place (`unknown`
    /// when no message has that type byte).
    public static func typeName(forTypeByte typeByte: UInt8, from direction: MessageDirection) -> String {
        let name =
            direction == .frontend
            ? FrontendMessage.typeName(forTypeByte: typeByte, passwordKind: nil)
            : BackendMessage.typeName(forTypeByte: typeByte)
        return name ?? "unknown"
    }
}
