import NIOCore
import PostgresWire

/// Bound parameter values as text, decoding the binary formats of common types.
enum ParameterText {
    /// `bytes` as text: as sent in text format (bytes that are not UTF-8 kept as ``WireText`` keeps them); in binary format decoded for the common types (as `pgw decode`
    /// shows them: bool, integers, floats, numeric, text types, bytea, uuid, date, time, timestamp(tz), interval,
    /// json(b) and arrays of these), and otherwise as `\x` hex.
    static func text(of bytes: ByteBuffer, format: FormatCode, type: UInt32) -> String {
        // Text keeps bytes that are not UTF-8 (``WireText``): a client's encoding converts them.
        if format == .text { return WireText.decode(bytes.readableBytesView) }
        return TypedValue.postgresText(of: bytes, format: format, oid: type) ?? RenderedValue.text(of: bytes)
    }
}

extension Parse {
    /// The declared type of parameter `index`, 0 when unspecified.
    func parameterType(at index: Int) -> UInt32 {
        index < parameterTypes.count ? parameterTypes[index] : 0
    }
}
