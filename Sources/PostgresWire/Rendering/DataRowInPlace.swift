import NIOCore

/// The columns of a DataRow body in place (``RawMessageFrame/body``, already checked), as a line shows them.
struct DataRowInPlace: NullableBytesList {
    /// The body: the column count, then each column's length and value.
    let body: UnsafeRawBufferPointer

    /// Each column's bytes in place; a slice is a copy, made only where a value is kept (a typed value).
    func forEachValue(_ visit: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?, _ slice: () -> ByteBuffer) -> Void)
    {
        // The body was checked when it was framed, so the walk does not fail.
        try? DataRow.forEachColumn(inBody: body) { index, value in
            guard let value else { return visit(index, nil, { ByteBuffer() }) }
            visit(index, value.assumingMemoryBound(to: UInt8.self), { ByteBuffer(bytes: value) })
        }
    }
}
