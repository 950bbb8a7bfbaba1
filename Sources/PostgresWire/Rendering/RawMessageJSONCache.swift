/// The JSON fields ``RawMessageJSON`` last wrote for each message type and direction, kept with the body they
/// came from, so that a body sent again gets its fields copied instead of read and written anew.
///
/// A session repeats itself: the same RowDescription, CommandComplete and ReadyForQuery for every run of a
/// statement, often the same rows. A message's JSON fields depend on its type, direction and body only (the line's
/// offset and members come before them), so a body equal to the one kept has the kept fields. Only short messages
/// are kept (a body of at most ``largestBody`` bytes, fields of at most ``largestFields``), one per type and
/// direction, so a cache stays a few hundred bytes for a usual session and a few KiB at most.
package struct RawMessageJSONCache {
    /// The longest body kept: longer messages seldom repeat.
    static let largestBody = 256
    /// The longest fields kept (a short body full of escaped bytes writes up to six times its size).
    static let largestFields = 1_024

    /// The last fields written for one message type and direction.
    private struct Entry {
        /// The message's type byte.
        let typeByte: UInt8
        /// Who sent it.
        let direction: MessageDirection
        /// The body the fields were written from.
        var body: [UInt8]
        /// The fields, as JSON members (`,"name":value…`).
        var fields: [UInt8]
    }

    /// One entry per type and direction seen, in the order first seen.
    private var entries: [Entry] = []

    /// An empty cache.
    package init() {}

    /// Appends the fields of the message with `typeByte` and `body` sent in `direction` to `builder`'s JSON: the
    /// kept ones when `body` is the one they were written from; otherwise those `write` appends, which are then kept
    /// (when `write` returns `true`, the message is short enough and the fields are complete). Returns `true` when
    /// the fields were copied or `write` returned `true`.
    mutating func appendFields(
        typeByte: UInt8, direction: MessageDirection, body: UnsafeRawBufferPointer, to builder: inout RenderingBuilder,
        write: (inout RenderingBuilder) -> Bool
    ) -> Bool {
        let index = entries.firstIndex { $0.typeByte == typeByte && $0.direction == direction }
        if let index, entries[index].body.withUnsafeBytes({ $0.elementsEqual(body) }) {
            builder.json.append(rendered: entries[index].fields)
            return true
        }
        let start = builder.json.bytes.count
        guard write(&builder) else { return false }
        let fields = builder.json.bytes[start...]
        guard body.count <= Self.largestBody, fields.count <= Self.largestFields else { return true }
        guard let index else {
            entries.append(Entry(typeByte: typeByte, direction: direction, body: Array(body), fields: Array(fields)))
            return true
        }
        entries[index].body.removeAll(keepingCapacity: true)
        entries[index].body.append(contentsOf: body)
        entries[index].fields.removeAll(keepingCapacity: true)
        entries[index].fields.append(contentsOf: fields)
        return true
    }
}
