import PostgresWire

/// One line of a script's strict conversation: a message the client must send next (`F …`) or one the server
/// sends (`B …`), in `pgw decode`'s text form.
public struct ConversationStep: Sendable {
    /// Who sends the message.
    public var sender: MessageDirection
    /// The message (and its bytes, which may be deliberately damaged for a backend message).
    public var message: TextFormLine
    /// The line as the script gives it.
    public var text: String
    /// The script line it is on.
    public var line: Int

    /// Whether `message` received from the client is the one this step expects.
    func expects(_ received: FrontendMessage, raw: [UInt8]) -> Bool {
        guard let expected = message.message else { return Array(message.bytes.readableBytesView) == raw }
        return expected == .frontend(received)
    }
}
