/// The JSON line ``RawMessageJSON`` last wrote for each message type and direction, kept with the body it came
/// from, so that a body sent again gets its line copied instead of read and written anew.
///
/// A session repeats itself: the same RowDescription, CommandComplete and ReadyForQuery for every run of a
/// statement, often the same rows. A message's line depends on its type, direction and body, but for its offset
/// and its members (the connection and time), so a body equal to the one kept has the kept line with this offset
/// and these members put in. Only short messages are kept (a body of at most ``largestBody`` bytes, fields of at
/// most ``largestFields``), one per type and direction: a cache holds a few hundred bytes for a usual session, and
/// stays under some 80 KiB even for one that sends every type ``RawMessageJSON`` writes at its longest.
package struct RawMessageJSONCache {
    /// The longest body kept: longer messages seldom repeat.
    static let largestBody = 256
    /// The longest fields kept (a short body full of escaped bytes writes up to six times its size).
    static let largestFields = 1_024

    /// Where the parts of a kept line start: the offset's digits, `,"length":`, the members and the fields.
    typealias Parts = (offset: Int, length: Int, members: Int, fields: Int)

    /// The last line written for one message type and direction.
    private struct Entry {
        /// The body the line was written from.
        var body: [UInt8]
        /// The line, with the offset and members it was written with.
        var line: [UInt8]
        /// Where the parts of `line` start.
        var parts: Parts
    }

    /// One entry per type and direction seen, in the order first seen.
    private var entries: [Entry] = []
    /// The type and direction of each entry (``key(_:_:)``), searched apart from the entries, which a search would
    /// copy (retaining and releasing their arrays).
    private var keys: [UInt16] = []

    /// The key of a message type and direction in ``keys``.
    private static func key(_ typeByte: UInt8, _ direction: MessageDirection) -> UInt16 {
        UInt16(typeByte) | (direction == .frontend ? 0x100 : 0)
    }

    /// An empty cache.
    package init() {}

    /// Appends the line of the message with `typeByte` and `body` sent in `direction` at `offset`, with `members`,
    /// to `buffer` when the kept line is this body's; returns whether it did.
    mutating func appendLine(
        typeByte: UInt8, direction: MessageDirection, body: UnsafeRawBufferPointer, offset: Int,
        members: JSONLineMembers, to buffer: inout RenderBuffer
    ) -> Bool {
        guard let index = keys.firstIndex(of: Self.key(typeByte, direction)),
            entries[index].body.withUnsafeBytes({ $0.elementsEqual(body) })
        else { return false }
        let parts = entries[index].parts
        entries[index].line.withUnsafeBufferPointer { line in
            buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<parts.offset]))
            buffer.appendDecimal(offset)
            buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[parts.length..<parts.members]))
            buffer.append(rendered: members.bytes)
            buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[parts.fields...]))
        }
        return true
    }

    /// Keeps `line`, just written for the message with `typeByte` and `body` sent in `direction`, whose `parts`
    /// start where given (counted from the line's start), when the message is short enough.
    mutating func keep(
        typeByte: UInt8, direction: MessageDirection, body: UnsafeRawBufferPointer, line: ArraySlice<UInt8>,
        parts: Parts
    ) {
        guard body.count <= Self.largestBody, line.count - parts.fields <= Self.largestFields else { return }
        let key = Self.key(typeByte, direction)
        guard let index = keys.firstIndex(of: key) else {
            keys.append(key)
            entries.append(Entry(body: Array(body), line: Array(line), parts: parts))
            return
        }
        entries[index].body.removeAll(keepingCapacity: true)
        entries[index].body.append(contentsOf: body)
        entries[index].line.removeAll(keepingCapacity: true)
        entries[index].line.append(contentsOf: line)
        entries[index].parts = parts
    }
}
