/// A packet's bytes (or a part of them) read in place by ``PacketParser``: big-endian integers at offsets, `nil`
/// past the end. One `withUnsafeReadableBytes` for the whole packet instead of a checked buffer read per field.
struct PacketBytes {
    /// The bytes.
    let raw: UnsafeRawBufferPointer

    /// The bytes from `offset` to the end (none when `offset` is past it).
    func dropFirst(_ offset: Int) -> PacketBytes {
        PacketBytes(raw: UnsafeRawBufferPointer(rebasing: raw[min(max(offset, 0), raw.count)...]))
    }

    /// The first `count` bytes (all when fewer).
    func prefix(_ count: Int) -> PacketBytes {
        PacketBytes(raw: UnsafeRawBufferPointer(rebasing: raw[..<min(max(count, 0), raw.count)]))
    }

    /// The number of bytes.
    var count: Int { raw.count }

    /// The byte at `offset`.
    func uint8(at offset: Int) -> UInt8? {
        offset >= 0 && offset < raw.count ? raw[offset] : nil
    }

    /// The big-endian 16-bit integer at `offset`.
    func uint16(at offset: Int) -> UInt16? {
        offset >= 0 && offset <= raw.count - 2
            ? UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : nil
    }

    /// The big-endian 32-bit integer at `offset`.
    func uint32(at offset: Int) -> UInt32? {
        offset >= 0 && offset <= raw.count - 4
            ? UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : nil
    }

    /// The `length` (4 or 16) address bytes at `offset`, as an endpoint whose port is still 0.
    func address(at offset: Int, length: Int) -> Endpoint? {
        guard offset >= 0 && offset <= raw.count - length else { return nil }
        return Endpoint(
            addressBytes: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)]), length: length, port: 0)
    }
}
