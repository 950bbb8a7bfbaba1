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
        let rendering = message.rendered(options: options)
        let prefix = linePrefix + (direction == .frontend ? "F" : "B")
        switch format {
        case .text:
            return prefix + " " + rendering.textLine + textSuffix
        case .json:
            return rendering.jsonLine(offset: offset, length: bytes.readableBytes, context: jsonMembers)
        case .hex:
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
}
