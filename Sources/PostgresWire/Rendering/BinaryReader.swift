import NIOCore

/// Reads big-endian integers and byte runs from a value's bytes, for ``BinaryValueDecoder``.
struct BinaryReader {
    /// The value's bytes.
    private let bytes: ByteBufferView
    /// Where the next read starts.
    private var index: ByteBufferView.Index

    /// A reader at the start of `bytes`.
    init(bytes: ByteBufferView) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// The bytes not read yet.
    var remaining: Int { bytes.endIndex - index }

    /// Whether every byte has been read.
    var isAtEnd: Bool { index == bytes.endIndex }

    /// The next big-endian integer; `nil` when too few bytes are left.
    mutating func integer<Integer: FixedWidthInteger>(_: Integer.Type) -> Integer? {
        let size = MemoryLayout<Integer>.size
        guard remaining >= size else { return nil }
        var value: Integer = 0
        for byte in bytes[index..<(index + size)] { value = value << 8 | Integer(byte) }
        index += size
        return value
    }

    /// The next `count` bytes; `nil` when fewer are left.
    mutating func bytes(_ count: Int) -> ByteBufferView? {
        guard count >= 0, remaining >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }
}
