import NIOCore

/// What a Describe or Close message refers to.
public enum ObjectKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// A prepared statement (`S`).
    case statement = 0x53
    /// A portal (`P`).
    case portal = 0x50

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch self {
        case .statement: "statement"
        case .portal: "portal"
        }
    }

    static func read(from buffer: inout ByteBuffer) throws(WireFormatError) -> ObjectKind {
        let byte = try buffer.readWireInteger(as: UInt8.self, field: "object kind")
        guard let kind = ObjectKind(rawValue: byte) else {
            throw .invalidValue(field: "object kind", value: Int64(byte))
        }
        return kind
    }
}
