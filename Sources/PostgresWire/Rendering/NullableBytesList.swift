import NIOCore

/// A list of nullable raw values that a line shows (a DataRow's columns, a Bind's parameters), read in place.
protocol NullableBytesList {
    /// Calls `visit` with each value's index and bytes (`nil` for SQL NULL, the bytes valid only during the call),
    /// and a way to take the value as a slice where one is kept (a typed value, a rendered field).
    func forEachValue(_ visit: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?, _ slice: () -> ByteBuffer) -> Void)
}

extension Array: NullableBytesList where Element == ByteBuffer? {
    /// Each value's bytes, one `withUnsafeReadableBytes` per value.
    func forEachValue(_ visit: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?, _ slice: () -> ByteBuffer) -> Void)
    {
        for (index, value) in enumerated() {
            guard let value else {
                visit(index, nil, { ByteBuffer() })
                continue
            }
            value.withUnsafeReadableBytes { visit(index, $0.assumingMemoryBound(to: UInt8.self), { value }) }
        }
    }
}

extension DataRow: NullableBytesList {
    /// The columns in place: one `withUnsafeReadableBytes` for the row, no slice per column unless asked for.
    func forEachValue(_ visit: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?, _ slice: () -> ByteBuffer) -> Void)
    {
        columnBytes.withUnsafeReadableBytes { raw in
            let bytes = raw.assumingMemoryBound(to: UInt8.self)
            // The columns were checked when the row was decoded or built, so the walk does not fail.
            _ = try? Self.walkColumns(count: columnCount, in: raw) { index, offset, length in
                guard length >= 0 else { return visit(index, nil, { ByteBuffer() }) }
                visit(
                    index, UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]),
                    { columnBytes.getSlice(at: columnBytes.readerIndex + offset, length: length)! })
            }
        }
    }
}
