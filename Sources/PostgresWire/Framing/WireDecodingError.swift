/// A decoding failure at a known place in a byte stream.
public struct WireDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stream offset of the first byte of the offending message.
    public var offset: Int
    /// The protocol docs' name of the message being decoded, when its type is known.
    public var messageType: String?
    /// What is wrong.
    public var reason: WireFormatError

    /// Creates an error for the message starting at `offset`.
    public init(offset: Int, messageType: String?, reason: WireFormatError) {
        self.offset = offset
        self.messageType = messageType
        self.reason = reason
    }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        if let messageType {
            return "offset \(offset): \(messageType): \(reason)"
        }
        return "offset \(offset): \(reason)"
    }
}
