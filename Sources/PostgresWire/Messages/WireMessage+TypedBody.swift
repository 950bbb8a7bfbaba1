import NIOCore

extension WireMessage {
    /// A typed message of the session's message phase decoded from its type byte and `body`, as the decoders decode
    /// it, for a caller that frames messages itself (the proxy's log writes most messages from their bytes and
    /// decodes only those it must look into). Not for a client's `p` message, whose kind only a decoder that followed
    /// the authentication knows.
    public init(typeByte: UInt8, body: ByteBuffer, from direction: MessageDirection) throws(WireFormatError) {
        var body = body
        switch direction {
        case .frontend:
            precondition(typeByte != UInt8(ascii: "p"), "a password message needs its decoder's context")
            self = .frontend(try FrontendMessage.decodeTyped(typeByte: typeByte, body: &body, passwordKind: .password))
        case .backend:
            self = .backend(try BackendMessage.decodeTyped(typeByte: typeByte, body: &body))
        }
    }
}
