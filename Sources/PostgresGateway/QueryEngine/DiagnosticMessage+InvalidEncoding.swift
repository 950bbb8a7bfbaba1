import PostgresWire

extension DiagnosticMessage {
    /// PostgreSQL's error for text that is not valid UTF-8 (22021), naming the bytes where it stops being so as
    /// `report_invalid_encoding` does (the lead byte and as many as its sequence would take: `0xe9 0x78 0x27`);
    /// `nil` for valid text.
    static func invalidUTF8(in text: String) -> DiagnosticMessage? {
        guard text.utf8.contains(0xF4), WireText.hasEscapedBytes(text) else { return nil }
        var offset = 0
        for scalar in text.unicodeScalars {
            guard WireText.escapedByte(scalar) == nil else { break }
            offset += UTF8.width(scalar)
        }
        let bytes = WireText.originalBytes(text)
        let lead = bytes[offset]
        let sequenceLength =
            switch lead {
            case 0xC0...0xDF: 2
            case 0xE0...0xEF: 3
            case 0xF0...0xF7: 4
            default: 1
            }
        let shown = bytes[offset..<min(offset + sequenceLength, bytes.count)].map {
            "0x" + (($0 < 0x10 ? "0" : "") + String($0, radix: 16))
        }
        return DiagnosticMessage(
            severity: "ERROR", sqlState: "22021",
            message: "invalid byte sequence for encoding \"UTF8\": \(shown.joined(separator: " "))")
    }
}
