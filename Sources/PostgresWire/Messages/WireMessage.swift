import NIOCore

/// A message in either direction.
public enum WireMessage: Sendable, Hashable {
    /// A message a client sends.
    case frontend(FrontendMessage)
    /// A message a server sends.
    case backend(BackendMessage)

    /// The protocol docs' name of the message.
    public var typeName: String {
        switch self {
        case .frontend(let message): message.typeName
        case .backend(let message): message.typeName
        }
    }

    /// Who sent it.
    public var direction: MessageDirection {
        switch self {
        case .frontend: .frontend
        case .backend: .backend
        }
    }

    /// Appends the complete message, header included, to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .frontend(let message): message.encode(into: &buffer)
        case .backend(let message): message.encode(into: &buffer)
        }
    }
}
