import NIOCore

extension DecodedMessage {
    /// The message in `format`: one line for text and JSON, several for hex.
    public func formatted(as format: RenderFormat, options: RenderOptions = RenderOptions()) -> String {
        let rendering = message.rendered(options: options)
        let prefix = direction == .frontend ? "F" : "B"
        switch format {
        case .text:
            return prefix + " " + rendering.textLine
        case .json:
            return rendering.jsonLine(offset: offset, length: bytes.readableBytes)
        case .hex:
            let header = "\(prefix) \(rendering.type) offset=\(offset) length=\(bytes.readableBytes)"
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
