/// Message counts and byte totals per direction and type.
public struct MessageStatistics: Sendable {
    /// The totals for one message type in one direction.
    public struct Entry: Sendable, Hashable {
        public var direction: MessageDirection
        public var type: String
        public var count: Int
        public var bytes: Int

        public init(direction: MessageDirection, type: String, count: Int, bytes: Int) {
            self.direction = direction
            self.type = type
            self.count = count
            self.bytes = bytes
        }
    }

    /// One entry per direction and type seen, in the order first seen (a few dozen at most).
    private var entries: [Entry] = []
    /// The index of the entry counted last: runs of one type (DataRow, CopyData) skip the search.
    private var lastIndex = 0

    public init() {}

    /// Counts one message: no string is built or hashed, as this runs once per message of a capture.
    public mutating func add(_ message: DecodedMessage) {
        add(message.direction, type: message.message.typeName, count: 1, bytes: message.bytes.readableBytes)
    }

    /// Counts `count` messages of `type` sent in `direction`, `bytes` long on the wire in all (headers included).
    public mutating func add(_ direction: MessageDirection, type: String, count: Int, bytes: Int) {
        if lastIndex < entries.count, entries[lastIndex].direction == direction, entries[lastIndex].type == type {
            entries[lastIndex].count += count
            entries[lastIndex].bytes += bytes
            return
        }
        // Entries read in place by index (a search with a closure copied each, retaining and releasing its name),
        // and lengths compared first: comparing two different strings costs more than comparing their lengths.
        let length = type.utf8.count
        lastIndex = entries.count
        for index in entries.indices
        where entries[index].direction == direction && entries[index].type.utf8.count == length
            && entries[index].type == type
        {
            lastIndex = index
            break
        }
        if lastIndex == entries.count { entries.append(Entry(direction: direction, type: type, count: 0, bytes: 0)) }
        entries[lastIndex].count += count
        entries[lastIndex].bytes += bytes
    }

    /// The entries: frontend first, then by descending byte total.
    public var sortedEntries: [Entry] {
        entries.sorted {
            ($0.direction == .frontend ? 0 : 1, -$0.bytes, $0.type) < (
                $1.direction == .frontend ? 0 : 1, -$1.bytes, $1.type
            )
        }
    }

    /// An aligned table, or JSON Lines (`schema`, `direction`, `type`, `count`, `bytes`, then `jsonMembers`, such
    /// as the connection the rows are about) when `format` is `.json`.
    public func formatted(as format: RenderFormat, jsonMembers: [(String, RenderedValue)] = []) -> String {
        let rows = sortedEntries
        if format == .json {
            return rows.map { entry in
                RenderedValue.object(
                    [
                        ("schema", .integer(Int64(RenderFormat.jsonSchemaVersion))),
                        ("direction", .string(entry.direction.rawValue)), ("type", .string(entry.type)),
                        ("count", .integer(Int64(entry.count))), ("bytes", .integer(Int64(entry.bytes))),
                    ] + jsonMembers
                ).jsonText
            }.joined(separator: "\n")
        }
        let width = max(4, rows.map(\.type.count).max() ?? 0)
        let header =
            "direction  " + "type".padded(to: width) + "  " + "count".leftPadded(to: 10, with: " ") + "  "
            + "bytes".leftPadded(to: 12, with: " ")
        let lines = rows.map { entry in
            entry.direction.rawValue.padded(to: 9) + "  " + entry.type.padded(to: width) + "  "
                + String(entry.count).leftPadded(to: 10, with: " ") + "  "
                + String(entry.bytes).leftPadded(to: 12, with: " ")
        }
        return ([header] + lines).joined(separator: "\n")
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
