import NIOCore

/// A parameter or column format code: 0 is text, 1 is binary.
///
/// Kept as the raw `Int16` so every value on the wire round-trips exactly.
public struct FormatCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code as sent.
    public var rawValue: Int16

    /// The format code `rawValue`, known or not.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Text format.
    public static let text = FormatCode(rawValue: 0)
    /// Binary format.
    public static let binary = FormatCode(rawValue: 1)

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch rawValue {
        case 0: "text"
        case 1: "binary"
        default: "format(\(rawValue))"
        }
    }
}

extension FormatCode {
    static func read(from buffer: inout ByteBuffer, field: String) throws(WireFormatError) -> FormatCode {
        FormatCode(rawValue: try buffer.readWireInteger(field: field))
    }
}

extension [FormatCode] {
    /// The code that applies to parameter or column `index` under the protocol's rule: no codes means all text,
    /// one code applies to all, otherwise one per position.
    public func code(at index: Int) -> FormatCode {
        count == 1 ? self[0] : index < count ? self[index] : .text
    }
}
