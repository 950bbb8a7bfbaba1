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
            Result { () throws(WireFormatError) in try walkColumns(count: count, in: raw) { _, _, _ in } }
        }
        let columnBytes = body.readSlice(length: try end.get())!
        return DataRow(columnCount: count, columnBytes: columnBytes)
    }

    /// Walks the column values of a DataRow message body in place (the bytes after the type byte and length, as
    /// ``RawMessageFrame/body`` holds them): `visit` gets each column's index and its value bytes, `nil` for SQL
    /// NULL, pointing into `body` (valid only during the call). Nothing is copied or retained per column.
    ///
    /// Checks the body as decoding a DataRow does, throwing the same errors: a missing column count, a column
    /// length or value cut short, a length below -1, or bytes left after the last column. `visit` runs for the
    /// columns before the malformed one.
    @inlinable
    public static func forEachColumn(
        inBody body: UnsafeRawBufferPointer,
        _ visit: (_ index: Int, _ value: UnsafeRawBufferPointer?) throws(WireFormatError) -> Void
    ) throws(WireFormatError) {
        guard body.count >= 2 else { throw .truncated(field: "column count") }
        let count = Int(UInt16(bigEndian: body.loadUnaligned(as: UInt16.self)))
        let columns = UnsafeRawBufferPointer(rebasing: body[2...])
        let end = try walkColumns(count: count, in: columns) { index, offset, length throws(WireFormatError) in
            try visit(index, length < 0 ? nil : UnsafeRawBufferPointer(rebasing: columns[offset..<(offset + length)]))
        }
        if end < columns.count { throw .trailingBytes(count: columns.count - end) }
    }

    /// Walks `count` columns at the start of `bytes` (an `Int32` length, -1 for NULL, and the value each),
    /// checking each: `visit` gets the column's index, the offset of its value in `bytes` and its length (-1 for
    /// NULL). Returns the offset after the last column.
    @inlinable
    static func walkColumns(
        count: Int, in bytes: UnsafeRawBufferPointer,
        _ visit: (_ index: Int, _ offset: Int, _ length: Int) throws(WireFormatError) -> Void
    ) throws(WireFormatError) -> Int {
        var index = 0
        for column in 0..<count {
            guard bytes.count - index >= 4 else { throw .truncated(field: "column length") }
            let length = Int32(
                bitPattern: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
            index += 4
            if length >= 0 {
                guard bytes.count - index >= Int(length) else { throw .truncated(field: "column value") }
                try visit(column, index, Int(length))
                index += Int(length)
            } else if length == -1 {
                try visit(column, index, -1)
            } else {
                throw .negativeLength(field: "column length", value: Int64(length))
            }
        }
        return index
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCount(columnCount, of: ByteBuffer?.self)
        buffer.writeImmutableBuffer(columnBytes)
    }
}
