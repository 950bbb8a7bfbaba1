import NIOCore
import PostgresWire

/// Finds where typed messages start again in bytes that begin at an unknown place in a stream (after a gap, a
/// malformed message, or when the capture started mid-connection): a known type byte and a length, followed by
/// another such header or the end of the bytes seen so far.
enum MessageBoundaryScanner {
    /// What a scan found.
    enum Result: Equatable {
        /// A message starts this many bytes in.
        case boundary(Int)
        /// No boundary yet; this many leading bytes cannot start one and may be dropped.
        case needsMoreBytes(discardable: Int)
    }

    /// Unconfirmed candidates further than this from the end are given up, so the bytes kept stay bounded.
    static let confirmationWindow = 1 << 20

    /// The length words each frontend message type may have, by type byte (`nil` for a byte that is no type): the
    /// messages without a body have exactly 4, so that text after a gap (a `S` or `H` and four more bytes) is not
    /// taken for one whose end is far ahead, which would hold the search back.
    private static let frontendLengths = lengthTable(variable: "BCdDEfFpPQ", fixed: "cHSX", length: 4)
    /// The length words each backend message type may have, by type byte, as ``frontendLengths``: a digit in COPY
    /// or DataRow text (ParseComplete is `1`) does not start a message hundreds of megabytes long.
    private static let backendLengths: [ClosedRange<Int>?] = {
        var table = lengthTable(variable: "RCGHWdDEVNAtSTv", fixed: "123cInZs", length: 4)
        table[Int(UInt8(ascii: "Z"))] = 5...5
        // BackendKeyData: a process ID and a key of 4 bytes (protocol 3.0) up to 256 (3.2).
        table[Int(UInt8(ascii: "K"))] = 12...264
        return table
    }()
    /// The most columns a row has (PostgreSQL's `MaxTupleAttributeNumber`): a DataRow's column count is at most this.
    private static let maximumColumnCount = 1664

    /// A table of the length words allowed for each type byte: any from 4 for the `variable` types, `length` for the
    /// `fixed` ones.
    private static func lengthTable(variable: String, fixed: String, length: Int) -> [ClosedRange<Int>?] {
        var table = [ClosedRange<Int>?](repeating: nil, count: 256)
        for type in variable.utf8 { table[Int(type)] = 4...Int.max }
        for type in fixed.utf8 { table[Int(type)] = length...length }
        return table
    }

    /// Scans `bytes` of `direction` for the first message boundary. A message longer than `pgw decode
    /// --max-message-length` is a boundary all the same (up to PostgreSQL's own limit): the decoder then reports it
    /// as over the limit, as it does in a capture seen from the start, instead of it being skipped unseen.
    static func scan(_ bytes: ByteBuffer, direction: MessageDirection) -> Result {
        let lengths = direction == .frontend ? frontendLengths : backendLengths
        let checksColumns = direction == .backend
        return bytes.withUnsafeReadableBytes { raw in
            func header(at index: Int) -> Int? {
                guard index + 5 <= raw.count, let allowed = lengths[Int(raw[index])] else { return nil }
                let length = raw[(index + 1)..<(index + 5)].reduce(0) { $0 << 8 | Int($1) }
                guard allowed.contains(length), length < WireLimits.defaultMaximumMessageLength else { return nil }
                // A DataRow's column count, when there: text bytes make thousands of columns.
                if checksColumns && raw[index] == UInt8(ascii: "D") && index + 7 <= raw.count {
                    guard Int(raw[index + 5]) << 8 | Int(raw[index + 6]) <= maximumColumnCount else { return nil }
                }
                return length
            }
            for index in 0..<raw.count {
                if index + 5 > raw.count { return .needsMoreBytes(discardable: index) }
                guard let length = header(at: index) else { continue }
                let next = index + 1 + length
                if next == raw.count || header(at: next) != nil { return .boundary(index) }
                if next + 5 > raw.count && raw.count - index < confirmationWindow {
                    return .needsMoreBytes(discardable: index)
                }
            }
            return .needsMoreBytes(discardable: raw.count)
        }
    }

    /// Whether `payload`, a connection's first client bytes, is a startup-phase packet: StartupMessage (protocol
    /// 3.x), SSLRequest, GSSENCRequest or CancelRequest.
    static func looksLikeStartupPacket(_ payload: ByteBuffer) -> Bool {
        guard let length = payload.getInteger(at: payload.readerIndex, as: UInt32.self),
            let code = payload.getInteger(at: payload.readerIndex + 4, as: UInt32.self),
            length >= 8, length <= 10_000, Int(length) <= payload.readableBytes
        else { return false }
        switch code {
        case 80_877_102: return length == 16
        case 80_877_103, 80_877_104: return length == 8
        default: return code >> 16 == 3 && code & 0xFFFF <= 2
        }
    }
}
