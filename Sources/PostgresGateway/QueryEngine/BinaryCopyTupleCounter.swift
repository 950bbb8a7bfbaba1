import NIOCore
import PostgresWire

/// Counts the tuples of `COPY … FROM STDIN (FORMAT binary)` data as it arrives in CopyData messages of any size,
/// as PostgreSQL reads them: the 11-byte signature, flags and header extension, then tuples (a 16-bit field count,
/// each field a 32-bit length, -1 for NULL, and its bytes) until the trailer (a field count of -1). Field bytes are
/// skipped without being looked at; at most 19 header bytes are kept.
struct BinaryCopyTupleCounter: Sendable, Hashable {
    /// What the next bytes are.
    private enum Phase: Sendable, Hashable {
        /// The signature, flags and header extension length (19 bytes).
        case header
        /// The header extension's bytes.
        case headerExtension(remaining: Int)
        /// A tuple's field count, or the trailer.
        case fieldCount
        /// A field's length, with the fields left in the tuple (this one included).
        case fieldLength(fieldsLeft: Int)
        /// A field's bytes.
        case fieldData(remaining: Int, fieldsLeft: Int)
        /// After the trailer: nothing may follow.
        case ended
    }

    /// PostgreSQL's binary COPY signature: `PGCOPY\n\377\r\n\0`.
    private static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    /// The tuples so far.
    private(set) var tuples = 0
    /// Where the data stands.
    private var phase = Phase.header
    /// The bytes of an integer (or of the header) split across CopyData messages.
    private var pending: [UInt8] = []

    /// Counts the tuples in one CopyData message; malformed data fails as PostgreSQL fails it (22P04).
    mutating func consume(_ data: ByteBuffer) throws(QuerySessionError) {
        var data = data
        while data.readableBytes > 0 {
            switch phase {
            case .header:
                guard let header = take(19, from: &data) else { return }
                guard header.prefix(11).elementsEqual(Self.signature) else {
                    throw Self.formatError("COPY file signature not recognized")
                }
                let length = header.suffix(4).reduce(0) { $0 << 8 | Int($1) }
                phase = .headerExtension(remaining: length)
            case .headerExtension(let remaining):
                let skipped = min(remaining, data.readableBytes)
                data.moveReaderIndex(forwardBy: skipped)
                phase = remaining == skipped ? .fieldCount : .headerExtension(remaining: remaining - skipped)
            case .fieldCount:
                guard let bytes = take(2, from: &data) else { return }
                let count = Int(Int16(bitPattern: UInt16(bytes[0]) << 8 | UInt16(bytes[1])))
                if count == -1 {
                    phase = .ended
                } else {
                    tuples += 1
                    phase = count == 0 ? .fieldCount : .fieldLength(fieldsLeft: count)
                }
            case .fieldLength(let fieldsLeft):
                guard let bytes = take(4, from: &data) else { return }
                let length = Int(Int32(bitPattern: bytes.reduce(0) { $0 << 8 | UInt32($1) }))
                if length < 0 {
                    phase = fieldsLeft == 1 ? .fieldCount : .fieldLength(fieldsLeft: fieldsLeft - 1)
                } else {
                    phase = .fieldData(remaining: length, fieldsLeft: fieldsLeft)
                }
            case .fieldData(let remaining, let fieldsLeft):
                let skipped = min(remaining, data.readableBytes)
                data.moveReaderIndex(forwardBy: skipped)
                if skipped < remaining {
                    phase = .fieldData(remaining: remaining - skipped, fieldsLeft: fieldsLeft)
                } else {
                    phase = fieldsLeft == 1 ? .fieldCount : .fieldLength(fieldsLeft: fieldsLeft - 1)
                }
            case .ended:
                throw Self.formatError("received copy data after EOF marker")
            }
        }
    }

    /// The tuples at CopyDone: the data may end before the trailer, but not inside a tuple or the header.
    func finish() throws(QuerySessionError) -> Int {
        switch phase {
        case .fieldCount where pending.isEmpty, .ended:
            return tuples
        default:
            throw Self.formatError("unexpected EOF in COPY data")
        }
    }

    /// The next `count` bytes, joining what earlier messages left; `nil` (keeping what there is) when the message
    /// ends first.
    private mutating func take(_ count: Int, from data: inout ByteBuffer) -> [UInt8]? {
        let wanted = min(count - pending.count, data.readableBytes)
        pending += data.readBytes(length: wanted) ?? []
        guard pending.count == count else { return nil }
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// PostgreSQL's error for malformed binary COPY data.
    private static func formatError(_ message: String) -> QuerySessionError {
        .reported(DiagnosticMessage(severity: "ERROR", sqlState: "22P04", message: message))
    }
}
