/// Consecutive DataRow or CopyData messages of one direction and type, counted in place by
/// ``SessionDecoder/nextEventCountingBulkMessages(_:)`` instead of being handed out one by one: for totals (a
/// capture's summary), where a message's bytes are not read.
public struct MessageRun: Sendable, Hashable {
    /// Who sent the messages.
    public var direction: MessageDirection
    /// Their type byte (`D` for DataRow, `d` for CopyData).
    public var typeByte: UInt8
    /// How many messages the run has.
    public var count: Int
    /// Their length on the wire, in all: type bytes, length words and bodies.
    public var byteCount: Int

    /// A run of `count` messages of `typeByte` sent in `direction`, `byteCount` bytes in all.
    public init(direction: MessageDirection, typeByte: UInt8, count: Int, byteCount: Int) {
        self.direction = direction
        self.typeByte = typeByte
        self.count = count
        self.byteCount = byteCount
    }

    /// The messages' type name (`DataRow`, `CopyData`).
    public var typeName: String { RawMessageFrame.typeName(forTypeByte: typeByte, from: direction) }
}
