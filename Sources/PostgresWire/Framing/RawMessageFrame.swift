/// A typed message framed in place by ``BackendMessageDecoder/frameMessages(in:_:)``: its type byte and its body as
/// the received bytes themselves, with no copy and no retained slice.
///
/// `body` points into the buffer being framed and is valid only during the call that hands the frame out; read
/// what is needed there (a DataRow's columns with ``DataRow/forEachColumn(inBody:_:)``) and do not keep it.
public struct RawMessageFrame {
    /// The type byte (`D` for a DataRow).
    public let typeByte: UInt8
    /// The body: the bytes after the length word.
    public let body: UnsafeRawBufferPointer
    /// The stream offset of the type byte.
    public let streamOffset: Int

    /// The whole message's length on the wire: the type byte, the length word and the body.
    public var wireLength: Int { body.count + 5 }
}
