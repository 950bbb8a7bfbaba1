/// The text and JSON lines of a message, for decoded messages and messages framed in place alike: the header
/// (prefix, direction and type; or the JSON members up to `length` and the command's members), then what `render`
/// describes, written straight into the output.
enum MessageLine {
    /// Appends the line of a message of `typeName` sent in `direction`, at `offset`, `length` bytes long, to `output`.
    @inline(__always)
    static func write(
        as format: RenderFormat, direction: MessageDirection, typeName: String, offset: Int, length: Int,
        valueTypes: [ValueType]?, options: RenderOptions, linePrefix: String, jsonMembers: JSONLineMembers,
        textSuffix: String, to output: inout [UInt8], render: (inout RenderingBuilder) -> Void
    ) {
        var buffer = RenderBuffer(continuing: consume output)
        if format == .json {
            buffer.appendJSONLineStart(
                direction: direction, typeName: typeName, offset: offset, length: length, members: jsonMembers)
            var builder = RenderingBuilder(options: options, target: .jsonMembers, output: consume buffer)
            builder.valueTypes = valueTypes
            render(&builder)
            builder.json.append("}")
            output = builder.json.bytes
        } else {
            buffer.append(string: linePrefix)
            buffer.append(direction == .frontend ? "F " : "B ")
            buffer.append(string: typeName)
            var builder = RenderingBuilder(options: options, target: .textLine, output: consume buffer)
            builder.valueTypes = valueTypes
            render(&builder)
            builder.finishTextLine()
            builder.line.append(string: textSuffix)
            output = builder.line.buffer.bytes
        }
    }
}
