/// The blocks of a pcapng file (little-endian), as Wireshark and tshark read them: a section header, one interface
/// carrying raw IP packets (LINKTYPE_RAW, 101) and enhanced packet blocks with microsecond timestamps.
enum PcapngFormat {
    /// The section header block and the interface description block that start the file.
    static func fileHeader() -> [UInt8] {
        var section: [UInt8] = []
        append32(0x1A2B_3C4D, to: &section)  // byte-order magic
        append16(1, to: &section)  // major version
        append16(0, to: &section)  // minor version
        append32(0xFFFF_FFFF, to: &section)  // section length: unknown (-1 as 64 bits)
        append32(0xFFFF_FFFF, to: &section)
        var interface: [UInt8] = []
        append16(101, to: &interface)  // LINKTYPE_RAW: each packet starts with its IPv4 or IPv6 header
        append16(0, to: &interface)
        append32(0, to: &interface)  // no snapshot length limit
        return block(type: 0x0A0D_0D0A, body: section) + block(type: 1, body: interface)
    }

    /// Appends an enhanced packet block to `bytes`: a packet of `length` bytes, which `writePacket` appends, seen
    /// at `microseconds` since the Unix epoch. The packet goes straight into `bytes`, never through a copy.
    static func appendPacketBlock(
        length: Int, microseconds: UInt64, to bytes: inout [UInt8], _ writePacket: (inout [UInt8]) -> Void
    ) {
        let padding = (4 - length % 4) % 4
        let blockLength = UInt32(32 + length + padding)  // type, length, 20 bytes of fields, packet, length
        append32(6, to: &bytes)
        append32(blockLength, to: &bytes)
        append32(0, to: &bytes)  // interface 0
        append32(UInt32(truncatingIfNeeded: microseconds >> 32), to: &bytes)
        append32(UInt32(truncatingIfNeeded: microseconds), to: &bytes)
        append32(UInt32(length), to: &bytes)  // captured length
        append32(UInt32(length), to: &bytes)  // original length
        let start = bytes.count
        writePacket(&bytes)
        assert(bytes.count - start == length, "the packet is not the length its block says")
        bytes.append(contentsOf: repeatElement(0, count: padding))
        append32(blockLength, to: &bytes)
    }

    private static func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let length = UInt32(12 + body.count)
        var bytes: [UInt8] = []
        append32(type, to: &bytes)
        append32(length, to: &bytes)
        bytes += body
        append32(length, to: &bytes)
        return bytes
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
