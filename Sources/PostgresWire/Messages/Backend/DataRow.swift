import NIOCore

/// DataRow (`D`): one result row.
///
/// The columns stay in one slice of the received bytes and are sliced out lazily when iterated.
public struct DataRow: Sendable, Hashable, Sequence {
    /// The number of columns.
    public let columnCount: Int
    /// The column data: for each column an `Int32` length (-1 for NULL) and the value bytes.
    public let columnBytes: ByteBuffer

    /// Creates a row from column values; `nil` is SQL NULL.
    public init(columns: [ByteBuffer?]) {
        var bytes = ByteBuffer()
        for column in columns {
            bytes.writeNullableBytes(column)
        }
        self.columnCount = columns.count
        self.columnBytes = bytes
    }

    /// A row from already validated column data, as the decoder slices it.
    init(columnCount: Int, columnBytes: ByteBuffer) {
        self.columnCount = columnCount
        self.columnBytes = columnBytes
    }

    /// The column values; `nil` is SQL NULL.
    public var columns: [ByteBuffer?] { Array(self) }

    /// An iterator over the column values; `nil` is SQL NULL.
    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(remaining: columnBytes)
    }

    /// Iterates the column values of a validated row.
    public struct Iterator: IteratorProtocol {
        @usableFromInline var remaining: ByteBuffer

        @inlinable init(remaining: ByteBuffer) { self.remaining = remaining }

        /// The next column value (`.some(nil)` for SQL NULL), or `nil` after the last column.
        @inlinable
        public mutating func next() -> ByteBuffer?? {
            guard let length = remaining.readInteger(as: Int32.self) else { return nil }
            if length < 0 { return .some(nil) }
            return .some(remaining.readSlice(length: Int(length)))
        }
    }

    /// Reads a DataRow from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> DataRow {
        let count = Int(try body.readWireInteger(as: UInt16.self, field: "column count"))
        // One pass over the raw bytes: one exclusivity check and bounds check per row, not per column.
        let end: Result<Int, WireFormatError> = body.withUnsafeReadableBytes { raw in
            var index = 0
            for _ in 0..<count {
                guard raw.count - index >= 4 else { return .failure(.truncated(field: "column length")) }
                let length = Int32(
                    bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
                index += 4
                if length > 0 {
                    guard raw.count - index >= Int(length) else { return .failure(.truncated(field: "column value")) }
                    index += Int(length)
                } else if length < -1 {
                    return .failure(.negativeLength(field: "column length", value: Int64(length)))
                }
            }
            return .success(index)
        }
        let columnBytes = body.readSlice(length: try end.get())!
        return DataRow(columnCount: count, columnBytes: columnBytes)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCount(columnCount, of: ByteBuffer?.self)
        buffer.writeImmutableBuffer(columnBytes)
    }
}
