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

    /// An enhanced packet block holding `packet`, seen at `microseconds` since the Unix epoch.
    static func packetBlock(_ packet: [UInt8], microseconds: UInt64) -> [UInt8] {
        var body: [UInt8] = []
        append32(0, to: &body)  // interface 0
        append32(UInt32(truncatingIfNeeded: microseconds >> 32), to: &body)
        append32(UInt32(truncatingIfNeeded: microseconds), to: &body)
        append32(UInt32(packet.count), to: &body)  // captured length
        append32(UInt32(packet.count), to: &body)  // original length
        body += packet
        body += [UInt8](repeating: 0, count: (4 - packet.count % 4) % 4)
        return block(type: 6, body: body)
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
        bytes += [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}
