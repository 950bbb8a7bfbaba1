import NIOCore
import PostgresWire

/// Bound parameter values as text, decoding the binary formats of common types.
enum ParameterText {
    /// `bytes` as text: as sent in text format; in binary format decoded for bool, integers, floats and text types,
    /// and otherwise as `\x` hex.
    static func text(of bytes: ByteBuffer, format: FormatCode, type: UInt32) -> String {
        guard format == .binary else { return String(decoding: bytes.readableBytesView, as: UTF8.self) }
        var value = bytes
        switch (type, bytes.readableBytes) {
        case (16, 1): return value.readInteger(as: UInt8.self) == 0 ? "f" : "t"
        case (21, 2): return String(value.readInteger(as: Int16.self)!)
        case (23, 4), (26, 4):
            return type == 26 ? String(value.readInteger(as: UInt32.self)!) : String(value.readInteger(as: Int32.self)!)
        case (20, 8): return String(value.readInteger(as: Int64.self)!)
        case (700, 4): return String(Float(bitPattern: value.readInteger(as: UInt32.self)!))
        case (701, 8): return String(Double(bitPattern: value.readInteger(as: UInt64.self)!))
        case (25, _), (1043, _), (19, _), (1042, _), (114, _):
            return String(decoding: bytes.readableBytesView, as: UTF8.self)
        default: return RenderedValue.text(of: bytes)
        }
    }
}

extension Parse {
    /// The declared type of parameter `index`, 0 when unspecified.
    func parameterType(at index: Int) -> UInt32 {
        index < parameterTypes.count ? parameterTypes[index] : 0
    }
}
