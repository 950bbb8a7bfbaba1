/// Which peer sent a message.
public enum MessageDirection: String, Sendable, Hashable, CaseIterable {
    /// Client to server.
    case frontend
    /// Server to client.
    case backend
}
