import NIOCore

/// A typed message (type byte, length word, body) found at the start of a buffer, before it is decoded: the one
/// place both directions' decoders check the header.
struct TypedMessageFrame {
    /// The type byte.
    let typeByte: UInt8
    /// The message type's name, for errors.
    let typeName: String
    /// The body: the bytes after the length word.
    var body: ByteBuffer
    /// The whole message's length on the wire: the type byte, the length word and the body.
    let wireLength: Int

    /// The frame at `buffer`'s reader index, without consuming it; `nil` until the whole message has arrived.
    ///
    /// Throws an unknown type (`typeName` gives none) or a length word that is negative, below 4 or beyond
    /// `maximumMessageLength`, as soon as the header is there, with `streamOffset` for the error.
    static func peek(
        in buffer: ByteBuffer, streamOffset: Int, maximumMessageLength: Int, typeName: (UInt8) -> String?
    ) throws(WireDecodingError) -> TypedMessageFrame? {
        guard let (typeByte, length) = buffer.getMultipleIntegers(at: buffer.readerIndex, as: (UInt8, Int32).self)
        else {
            return nil
        }
        guard let name = typeName(typeByte) else {
            throw WireDecodingError(offset: streamOffset, messageType: nil, reason: .unknownMessageType(typeByte))
        }
        if let reason = WireFormatError.checkTypedLength(length, maximum: maximumMessageLength) {
            throw WireDecodingError(offset: streamOffset, messageType: name, reason: reason)
        }
        guard let body = buffer.getSlice(at: buffer.readerIndex + 5, length: Int(length) - 4) else { return nil }
        return TypedMessageFrame(typeByte: typeByte, typeName: name, body: body, wireLength: Int(length) + 1)
    }
}
