import NIOCore

/// NotificationResponse (`A`): a NOTIFY on a channel this session LISTENs to.
public struct NotificationResponse: Sendable, Hashable {
    /// The process ID of the notifying backend.
    public var processID: Int32
    /// The channel name.
    public var channel: String
    /// The payload string.
    public var payload: String

    /// A notification from backend `processID` on `channel` with `payload`.
    public init(processID: Int32, channel: String, payload: String) {
        self.processID = processID
        self.channel = channel
        self.payload = payload
    }

    /// Reads a NotificationResponse from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> NotificationResponse {
        NotificationResponse(
            processID: try body.readWireInteger(field: "process ID"),
            channel: try body.readCString(field: "channel"),
            payload: try body.readCString(field: "payload")
        )
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(processID)
        buffer.writeCString(channel)
        buffer.writeCString(payload)
    }
}
