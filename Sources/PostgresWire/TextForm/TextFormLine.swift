import NIOCore

/// A parsed text-form line: the bytes to send and, unless they were typed as `\hex`, the message they hold.
public struct TextFormLine: Sendable, Hashable {
    /// The message as typed (before any deliberate damage); `nil` for `\hex` bytes.
    public var message: WireMessage?
    /// The complete bytes to send, header included.
    public var bytes: ByteBuffer
    /// The deliberate damage asked for, such as `length word 99 (correct: 9)`; empty for a well-formed message.
    public var alterations: [String]

    /// A parsed line: `message` encodes to `bytes` unless `alterations` were made.
    public init(message: WireMessage?, bytes: ByteBuffer, alterations: [String] = []) {
        self.message = message
        self.bytes = bytes
        self.alterations = alterations
    }
}
