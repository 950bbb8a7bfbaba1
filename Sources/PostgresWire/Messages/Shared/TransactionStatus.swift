import NIOCore

/// The backend's transaction status, reported in ReadyForQuery.
public enum TransactionStatus: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Not in a transaction block (`I`).
    case idle = 0x49
    /// In a transaction block (`T`).
    case inTransaction = 0x54
    /// In a failed transaction block (`E`).
    case failed = 0x45

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch self {
        case .idle: "idle"
        case .inTransaction: "in transaction"
        case .failed: "failed transaction"
        }
    }

    /// The status letter as sent on the wire.
    public var letter: Character { Character(Unicode.Scalar(rawValue)) }

    static func read(from buffer: inout ByteBuffer) throws(WireFormatError) -> TransactionStatus {
        let byte = try buffer.readWireInteger(as: UInt8.self, field: "transaction status")
        guard let status = TransactionStatus(rawValue: byte) else {
            throw .invalidValue(field: "transaction status", value: Int64(byte))
        }
        return status
    }
}
