import PostgresCapture
import Testing

/// The resolution of a capture's times, read from the start of the file: a pcap's magic number, a pcapng interface's
/// `if_tsresol` (decimal or binary, in either byte order).
@Suite("the resolution of a capture file's times, from its header")
struct CaptureFileHeaderTests {
    /// A pcapng block of `type` with `body` (padded to 4 bytes), in the byte order given.
    static func block(_ type: UInt32, _ body: [UInt8], littleEndian: Bool = true) -> [UInt8] {
        let padded = body + Array(repeating: 0, count: (4 - body.count % 4) % 4)
        let length = integer(UInt32(padded.count + 12), littleEndian: littleEndian)
        return integer(type, littleEndian: littleEndian) + length + padded + length
    }

    /// A section header block: the byte-order magic, version 1.0, an unknown section length.
    static func sectionHeader(littleEndian: Bool = true) -> [UInt8] {
        block(
            0x0A0D_0D0A,
            integer(UInt32(0x1A2B_3C4D), littleEndian: littleEndian) + integer(UInt16(1), littleEndian: littleEndian)
                + [0, 0] + Array(repeating: 0xFF, count: 8), littleEndian: littleEndian)
    }

    /// An Ethernet interface description block, with `if_tsresol` when given.
    static func interface(resolution: UInt8?, littleEndian: Bool = true) -> [UInt8] {
        var body =
            integer(UInt16(1), littleEndian: littleEndian) + [0, 0]
            + integer(
                UInt32(262_144), littleEndian: littleEndian)
        if let resolution {
            body += integer(UInt16(9), littleEndian: littleEndian) + integer(UInt16(1), littleEndian: littleEndian)
            body += [resolution, 0, 0, 0] + [0, 0, 0, 0]
        }
        return block(1, body, littleEndian: littleEndian)
    }

    static func integer<Integer: FixedWidthInteger>(_ value: Integer, littleEndian: Bool) -> [UInt8] {
        withUnsafeBytes(of: littleEndian ? value.littleEndian : value.bigEndian) { Array($0) }
    }

    @Test("pcap: the nanosecond magic number in either byte order; the microsecond one")
    func pcapMagicNumbers() {
        #expect(CaptureFileHeader.timestampResolution(of: [0x4D, 0x3C, 0xB2, 0xA1, 2, 0]) == .nanoseconds)
        #expect(CaptureFileHeader.timestampResolution(of: [0xA1, 0xB2, 0x3C, 0x4D, 0, 2]) == .nanoseconds)
        #expect(CaptureFileHeader.timestampResolution(of: [0xD4, 0xC3, 0xB2, 0xA1, 2, 0]) == .microseconds)
        #expect(CaptureFileHeader.timestampResolution(of: [0xA1, 0xB2]) == .microseconds)
        #expect(CaptureFileHeader.timestampResolution(of: []) == .microseconds)
    }

    @Test("pcapng: if_tsresol finer than microseconds, decimal or binary, in any interface and either byte order")
    func pcapngInterfaceResolutions() {
        let header = Self.sectionHeader()
        #expect(CaptureFileHeader.timestampResolution(of: header + Self.interface(resolution: nil)) == .microseconds)
        #expect(CaptureFileHeader.timestampResolution(of: header + Self.interface(resolution: 6)) == .microseconds)
        #expect(CaptureFileHeader.timestampResolution(of: header + Self.interface(resolution: 9)) == .nanoseconds)
        #expect(CaptureFileHeader.timestampResolution(of: header + Self.interface(resolution: 0x94)) == .nanoseconds)
        #expect(CaptureFileHeader.timestampResolution(of: header + Self.interface(resolution: 0x8A)) == .microseconds)
        let second = header + Self.interface(resolution: nil) + Self.interface(resolution: 9)
        #expect(CaptureFileHeader.timestampResolution(of: second) == .nanoseconds)
        let bigEndian = Self.sectionHeader(littleEndian: false) + Self.interface(resolution: 9, littleEndian: false)
        #expect(CaptureFileHeader.timestampResolution(of: bigEndian) == .nanoseconds)
        // A block cut short is not read.
        let cut = header + Self.interface(resolution: 9)
        #expect(CaptureFileHeader.timestampResolution(of: cut.dropLast(4)) == .microseconds)
    }
}
