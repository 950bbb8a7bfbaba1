/// Members that a command adds to its JSON lines after `length` (a connection and a time), rendered once and
/// reused for every message they apply to.
public struct JSONLineMembers: Sendable, Hashable {
    /// The members as JSON, each preceded by a comma: `,"connection":1,"time":"…"`.
    var bytes: [UInt8]

    /// No members.
    public static let none = JSONLineMembers([])

    /// `members` rendered as JSON.
    public init(_ members: [(String, RenderedValue)]) {
        var buffer = RenderBuffer(capacity: members.isEmpty ? 0 : 128)
        for (name, value) in members {
            buffer.append(",")
            buffer.appendJSONString(name)
            buffer.append(":")
            JSONText.write(value, to: &buffer)
        }
        bytes = buffer.bytes
    }

    /// Members already rendered: `json` holds each as JSON preceded by a comma (`,"connection":1,"time":"…"`), as
    /// `init(_:)` renders them. For a caller that renders the same members for many lines and can do it cheaper.
    public init(renderedJSON json: [UInt8]) {
        bytes = json
    }

    /// These members followed by `members`.
    public func appending(_ members: [(String, RenderedValue)]) -> JSONLineMembers {
        appending(JSONLineMembers(members))
    }

    /// These members followed by `other`'s (rendered once, for members that many lines share).
    public func appending(_ other: JSONLineMembers) -> JSONLineMembers {
        var result = self
        result.bytes += other.bytes
        return result
    }
}
