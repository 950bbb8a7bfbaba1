import NIOCore

extension DecodedMessage {
    /// The message in `format`: one line for text and JSON, several for hex.
    ///
    /// Commands that see several connections add context: `linePrefix` goes before the text line and the hex
    /// header line (a time and connection number), `jsonMembers` after `length` on the JSON line, and
    /// `textSuffix` after the text line and the hex header line.
    public func formatted(
        as format: RenderFormat, options: RenderOptions = RenderOptions(), linePrefix: String = "",
        jsonMembers: [(String, RenderedValue)] = [], textSuffix: String = ""
    ) -> String {
        var output: [UInt8] = []
        write(
            as: format, options: options, linePrefix: linePrefix, jsonMembers: JSONLineMembers(jsonMembers),
            textSuffix: textSuffix, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the message in `format` to `output`, as UTF-8 without a final newline: what
    /// ``formatted(as:options:linePrefix:jsonMembers:textSuffix:)`` returns, written in place (text and JSON lines
    /// are rendered straight into `output`, without building the message's ``MessageRendering``).
    public func write(
        as format: RenderFormat, options: RenderOptions = RenderOptions(), linePrefix: String = "",
        jsonMembers: JSONLineMembers = .none, textSuffix: String = "", to output: inout [UInt8]
    ) {
        var buffer = RenderBuffer(continuing: consume output)
        switch format {
        case .text:
            buffer.append(linePrefix)
            buffer.append(direction == .frontend ? "F " : "B ")
            buffer.append(message.typeName)
            var builder = RenderingBuilder(options: options, target: .textLine, output: consume buffer)
            builder.valueTypes = valueTypes
            message.render(into: &builder)
            builder.finishTextLine()
            builder.line.append(textSuffix)
            output = builder.line.buffer.bytes
        case .json:
            buffer.appendJSONLineStart(
                direction: direction, typeName: message.typeName, offset: offset, length: bytes.readableBytes,
                members: jsonMembers)
            var builder = RenderingBuilder(options: options, target: .jsonMembers, output: consume buffer)
            builder.valueTypes = valueTypes
            message.render(into: &builder)
            builder.json.append("}")
            output = builder.json.bytes
        case .hex:
            buffer.append(hexLines(options: options, linePrefix: linePrefix, textSuffix: textSuffix))
            output = buffer.bytes
        }
    }

    /// The message's rendering, with its values typed when ``valueTypes`` are known.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        var builder = RenderingBuilder(options: options)
        builder.valueTypes = valueTypes
        message.render(into: &builder)
        return builder.build(direction, message.typeName)
    }

    /// The hex format: a header line, then a dump of the bytes (only the header's when the body holds a secret).
    private func hexLines(options: RenderOptions, linePrefix: String, textSuffix: String) -> String {
        let rendering = message.rendered(options: options)
        let prefix = linePrefix + (direction == .frontend ? "F" : "B")
        let header = "\(prefix) \(rendering.type) offset=\(offset) length=\(bytes.readableBytes)\(textSuffix)"
        guard rendering.hasMaskedSecrets else {
            return ([header] + HexDump.lines(bytes, startingAt: offset)).joined(separator: "\n")
        }
        // Show the header bytes only; the body holds a secret.
        let headerLength = message.typeName == "CancelRequest" ? 12 : 5
        let visible = bytes.getSlice(at: bytes.readerIndex, length: min(headerLength, bytes.readableBytes))!
        let masked = "          (\(bytes.readableBytes - visible.readableBytes) bytes of secret data masked)"
        return ([header] + HexDump.lines(visible, startingAt: offset) + [masked]).joined(separator: "\n")
    }
}
