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

    private static let frontendTypes = Set("BCcdDEfFHpPQSX".utf8)
    private static let backendTypes = Set("RK23CGHWdcDIEVnNAtS1ZTsv".utf8)

    /// Scans `bytes` of `direction` for the first message boundary.
    static func scan(_ bytes: ByteBuffer, direction: MessageDirection, maximumMessageLength: Int) -> Result {
        let types = direction == .frontend ? frontendTypes : backendTypes
        return bytes.withUnsafeReadableBytes { raw in
            func header(at index: Int) -> Int? {
                guard index + 5 <= raw.count, types.contains(raw[index]) else { return nil }
                let length = raw[(index + 1)..<(index + 5)].reduce(0) { $0 << 8 | Int($1) }
                return length >= 4 && length < maximumMessageLength ? length : nil
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
