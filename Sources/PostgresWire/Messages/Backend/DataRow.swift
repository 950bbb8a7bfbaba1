import NIOCore

/// DataRow (`D`): one result row.
///
/// The columns stay in one slice of the received bytes and are sliced out lazily when iterated.
public struct DataRow: Sendable, Hashable, Sequence {
    /// The number of columns.
    public var columnCount: Int
    /// The column data: for each column an `Int32` length (-1 for NULL) and the value bytes.
    public var columnBytes: ByteBuffer

    /// Creates a row from column values; `nil` is SQL NULL.
    public init(columns: [ByteBuffer?]) {
        var bytes = ByteBuffer()
        for column in columns {
            bytes.writeNullableBytes(column)
        }
        self.columnCount = columns.count
        self.columnBytes = bytes
    }

    init(columnCount: Int, columnBytes: ByteBuffer) {
        self.columnCount = columnCount
        self.columnBytes = columnBytes
    }

    /// The column values; `nil` is SQL NULL.
    public var columns: [ByteBuffer?] { Array(self) }

    public func makeIterator() -> Iterator {
        Iterator(remaining: columnBytes)
    }

    /// Iterates the column values of a validated row.
    public struct Iterator: IteratorProtocol {
        var remaining: ByteBuffer

        public mutating func next() -> ByteBuffer?? {
            guard let length = remaining.readInteger(as: Int32.self) else { return nil }
            if length < 0 { return .some(nil) }
            return .some(remaining.readSlice(length: Int(length)))
        }
    }

    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> DataRow {
        let count = Int(try body.readWireInteger(as: UInt16.self, field: "column count"))
        var index = body.readerIndex
        for _ in 0..<count {
            guard let length = body.getInteger(at: index, as: Int32.self) else {
                throw .truncated(field: "column length")
            }
            index += 4
            if length > 0 {
                guard body.writerIndex - index >= Int(length) else { throw .truncated(field: "column value") }
                index += Int(length)
            } else if length < -1 {
                throw .negativeLength(field: "column length", value: Int64(length))
            }
        }
        let columnBytes = body.readSlice(length: index - body.readerIndex)!
        return DataRow(columnCount: count, columnBytes: columnBytes)
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(truncatingIfNeeded: columnCount))
        buffer.writeImmutableBuffer(columnBytes)
    }
}
