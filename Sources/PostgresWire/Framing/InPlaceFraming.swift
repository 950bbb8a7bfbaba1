/// The in-place framing loop of both directions' decoders: typed messages framed inside one
/// `withUnsafeReadableBytes`, their headers checked as ``TypedMessageFrame/peek(in:streamOffset:maximumMessageLength:typeName:)``
/// checks them, nothing copied or retained per message.
enum InPlaceFraming {
    /// Frames the complete typed messages at the start of `bytes` (the first at `streamOffset` in its stream) while
    /// `accepts` their type byte, handing each to `visit`; stops at the first message not accepted or not whole.
    ///
    /// Returns the bytes of the messages framed, and the error that stopped the framing, if any: an unknown type
    /// byte (`typeName` gives none) or a length word that is negative, below 4 or beyond `maximumMessageLength`,
    /// or what `visit` threw, reported at that message's offset with its type name.
    @inline(__always)
    static func frame(
        _ bytes: UnsafeRawBufferPointer, streamOffset: Int, maximumMessageLength: Int,
        typeName: (UInt8) -> String?, accepts: (UInt8) -> Bool,
        _ visit: (RawMessageFrame) throws(WireFormatError) -> Void
    ) -> (consumed: Int, failure: WireDecodingError?) {
        var consumed = 0
        // The type byte last found known: a run of one type is looked up once, not once per message.
        var knownTypeByte: UInt8?
        while bytes.count - consumed >= 5 {
            let typeByte = bytes[consumed]
            guard accepts(typeByte) else { break }
            let length = Int32(
                bitPattern: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: consumed + 1, as: UInt32.self)))
            if typeByte != knownTypeByte {
                guard typeName(typeByte) != nil else {
                    let failure = WireDecodingError(
                        offset: streamOffset + consumed, messageType: nil, reason: .unknownMessageType(typeByte))
                    return (consumed, failure)
                }
                knownTypeByte = typeByte
            }
            if let reason = WireFormatError.checkTypedLength(length, maximum: maximumMessageLength) {
                let failure = WireDecodingError(
                    offset: streamOffset + consumed, messageType: typeName(typeByte), reason: reason)
                return (consumed, failure)
            }
            let end = consumed + 1 + Int(length)
            guard end <= bytes.count else { break }
            do throws(WireFormatError) {
                try visit(
                    RawMessageFrame(
                        typeByte: typeByte, body: UnsafeRawBufferPointer(rebasing: bytes[(consumed + 5)..<end]),
                        streamOffset: streamOffset + consumed))
            } catch {
                let failure = WireDecodingError(
                    offset: streamOffset + consumed, messageType: typeName(typeByte), reason: error)
                return (consumed, failure)
            }
            consumed = end
        }
        return (consumed, nil)
    }
}
