/// Size limits the decoders enforce.
public enum WireLimits {
    /// PostgreSQL's `MAX_STARTUP_PACKET_LENGTH`: the largest untyped startup-phase packet.
    public static let maximumStartupPacketLength = 10_000
    /// The default largest typed message, PostgreSQL's `MaxAllocSize` (1 GiB - 1).
    public static let defaultMaximumMessageLength = 0x3FFF_FFFF
    /// The longest cancel key protocol 3.2 allows.
    public static let maximumCancelKeyLength = 256
    /// PostgreSQL's `PQ_SMALL_MESSAGE_LIMIT`: the longest Sync, Flush, Terminate, Execute, Describe, Close, CopyDone or
    /// CopyFail a server reads.
    public static let smallFrontendMessageLength = 10_000
    /// The length beyond which libpq takes a backend message other than a RowDescription, DataRow, CopyData,
    /// FunctionCallResponse, ErrorResponse, NoticeResponse or NotificationResponse for lost framing.
    public static let smallBackendMessageLength = 30_000

    /// Why a typed message's header (its type byte and length word) cannot be one PostgreSQL or libpq exchanges, so
    /// the stream has lost its framing (a length word typed wrong, bytes injected): a type byte that no message of
    /// `direction` has, or a length word past what PostgreSQL (for client messages) or libpq (for server messages)
    /// accepts of that type, as they would refuse it; `nil` for a header that may be a message's.
    public static func lostFraming(typeByte: UInt8, lengthWord: Int, from direction: MessageDirection) -> String? {
        let type = String(UnicodeScalar(typeByte).escaped(asASCII: true))
        let name: String?
        let limit: Int
        switch direction {
        case .frontend:
            name = FrontendMessage.typeName(forTypeByte: typeByte, passwordKind: nil)
            limit = "SHXEDCcf".utf8.contains(typeByte) ? smallFrontendMessageLength : defaultMaximumMessageLength
        case .backend:
            name = BackendMessage.typeName(forTypeByte: typeByte)
            limit = "TDdVENA".utf8.contains(typeByte) ? defaultMaximumMessageLength : smallBackendMessageLength
        }
        guard let name else { return "'\(type)' is no \(direction) message type" }
        guard lengthWord <= limit else {
            return "a \(name) ('\(type)') of length word \(lengthWord) is past the \(limit) bytes that "
                + (direction == .frontend ? "PostgreSQL reads" : "libpq reads")
        }
        return nil
    }
}
