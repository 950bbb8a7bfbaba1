/// Why the bytes of one message (or of the stream around it) are not valid protocol.
public enum WireFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message body ended before `field` could be read.
    case truncated(field: String)
    /// The message body has `count` bytes left over after its last field.
    case trailingBytes(count: Int)
    /// A string field has no terminating zero byte.
    case missingTerminator(field: String)
    /// A field holds a value the protocol does not allow.
    case invalidValue(field: String, value: Int64)
    /// A length field is negative (other than the `-1` that marks NULL, where that is allowed).
    case negativeLength(field: String, value: Int64)
    /// The message's length word is smaller than the length word itself.
    case invalidMessageLength(Int64)
    /// The message is longer than the configured or protocol limit.
    case messageTooLong(length: Int64, limit: Int)
    /// The type byte names no message in this direction.
    case unknownMessageType(UInt8)
    /// The stream ended in the middle of a message.
    case incompleteMessage(needed: Int, available: Int)
    /// Bytes arrived where the protocol allows none (after a CancelRequest, or before the peer's answer).
    case unexpectedBytes(count: Int, context: String)

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch self {
        case .truncated(let field): "message ends before \(field)"
        case .trailingBytes(let count): "\(count) unexpected bytes after the last field"
        case .missingTerminator(let field): "\(field) has no terminating zero byte"
        case .invalidValue(let field, let value): "invalid \(field) \(value)"
        case .negativeLength(let field, let value): "negative \(field) \(value)"
        case .invalidMessageLength(let length): "invalid message length \(length)"
        case .messageTooLong(let length, let limit): "message length \(length) exceeds the limit of \(limit) bytes"
        case .unknownMessageType(let byte): "unknown message type \(WireFormatError.describe(byte: byte))"
        case .incompleteMessage(let needed, let available):
            "stream ends inside a message (\(available) of \(needed) bytes present)"
        case .unexpectedBytes(let count, let context): "\(count) unexpected bytes \(context)"
        }
    }

    /// The byte as a character and in hex (`'X' (0x58)`), or in hex alone when it is not a printable character.
    static func describe(byte: UInt8) -> String {
        let hex = "0x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))' (\(hex))"
        }
        return hex
    }
}

extension String {
    /// The string padded on the left with `pad` to `width` characters; a longer string is unchanged.
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

extension WireFormatError {
    /// The problem with a typed message's length word, if any.
    static func checkTypedLength(_ length: Int32, maximum: Int) -> WireFormatError? {
        if length < 0 {
            return .negativeLength(field: "message length", value: Int64(length))
        }
        if length < 4 {
            return .invalidMessageLength(Int64(length))
        }
        if Int(length) + 1 > maximum {
            return .messageTooLong(length: Int64(length) + 1, limit: maximum)
        }
        return nil
    }
}
