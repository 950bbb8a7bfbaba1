import NIOCore
import PostgresWire

/// A ``QuerySession``'s replies encoded for the wire, as the channel handler sends them.
///
/// The last result set encoded is kept with its bytes, so a client that asks for the same result again (a
/// benchmark's `select 1`, a prepared statement executed in a loop, a script rule's fixed rows) gets the bytes
/// copied instead of its messages built and encoded anew. Equal outcomes in equal formats encode to equal bytes.
struct EncodedReplies: QueryReplySink {
    /// Result sets whose parts encode to at most this many bytes are kept.
    static let largestKeptPart = 8_192

    /// The encoded replies not handed to the channel yet.
    var buffer = ByteBuffer()
    /// The result set encoded last, with the bytes of the parts encoded so far.
    private var kept: KeptResult?

    /// A result set and its encoded parts (`nil`: not encoded yet).
    private struct KeptResult {
        var outcome: QueryOutcome
        var formats: [FormatCode]
        var description: ByteBuffer?
        var rows: ByteBuffer?
    }

    mutating func append(_ message: BackendMessage) {
        message.encode(into: &buffer)
    }

    @discardableResult
    mutating func appendResult(of outcome: QueryOutcome, formats: [FormatCode], description: Bool, rows: Bool) -> Bool {
        if kept.map({ $0.outcome != outcome || $0.formats != formats }) ?? true {
            kept = KeptResult(outcome: outcome, formats: formats)
        }
        if description {
            if let bytes = kept?.description {
                buffer.writeImmutableBuffer(bytes)
            } else {
                let start = buffer.writerIndex
                if let columns = outcome.resultColumns {
                    append(.rowDescription(QuerySession.describe(columns, formats: formats)))
                }
                keep(from: start, as: \.description)
            }
        }
        guard rows else { return true }
        if let bytes = kept?.rows {
            buffer.writeImmutableBuffer(bytes)
            return true
        }
        let start = buffer.writerIndex
        let replies = QuerySession.rowReplies(of: outcome, formats: formats)
        append(contentsOf: replies)
        guard case .errorResponse = replies.last else {
            keep(from: start, as: \.rows)
            return true
        }
        // Rows that could not be sent are not kept: only sent rows are asked for again.
        kept = nil
        return false
    }

    /// Keeps a copy of the bytes written since `start` as the kept result's `part`, or forgets the result when
    /// they are too long to keep (comparing a large result set with the next costs about as much as encoding it).
    private mutating func keep(from start: Int, as part: WritableKeyPath<KeptResult, ByteBuffer?>) {
        let length = buffer.writerIndex - start
        guard length <= Self.largestKeptPart, let bytes = buffer.viewBytes(at: start, length: length) else {
            kept = nil
            return
        }
        kept?[keyPath: part] = ByteBuffer(bytes: bytes)
    }
}
