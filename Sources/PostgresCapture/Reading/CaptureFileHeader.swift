/// The start of a capture file, read for what libpcap does not tell: the resolution of its packets' times (libpcap,
/// asked for nanoseconds, scales every file's times to them).
public enum CaptureFileHeader {
    /// The resolution of the times in the capture file that starts with `bytes`: nanoseconds for a pcap file with
    /// the nanosecond magic number (either byte order) or a pcapng file with an interface whose `if_tsresol` is
    /// finer than microseconds (among the interface blocks within `bytes`); microseconds otherwise, as for a file too
    /// short or damaged to tell.
    public static func timestampResolution(of bytes: some Collection<UInt8>) -> CaptureTimestampResolution {
        let bytes = Array(bytes)
        guard bytes.count >= 4 else { return .microseconds }
        switch Array(bytes[0..<4]) {
        case [0xA1, 0xB2, 0x3C, 0x4D], [0x4D, 0x3C, 0xB2, 0xA1]: return .nanoseconds
        case [0x0A, 0x0D, 0x0D, 0x0A]: return pcapngResolution(bytes)
        default: return .microseconds
        }
    }

    /// The pcapng block types read: a section header (which sets the byte order of the blocks after it) and an
    /// interface description.
    private static let sectionHeaderBlock: UInt32 = 0x0A0D_0D0A
    private static let interfaceDescriptionBlock: UInt32 = 1
    /// The `if_tsresol` option of an interface description block.
    private static let timestampResolutionOption: UInt16 = 9

    /// Nanoseconds when an interface description block among the whole blocks of `bytes` has a resolution finer
    /// than microseconds: `if_tsresol` 10^-7 or finer, or 2^-20 or finer.
    private static func pcapngResolution(_ bytes: [UInt8]) -> CaptureTimestampResolution {
        var littleEndian = true
        var offset = 0
        while offset + 12 <= bytes.count {
            if integer(bytes, at: offset, littleEndian: true) as UInt32 == sectionHeaderBlock {
                // The byte-order magic 0x1A2B3C4D, as the section writes it.
                littleEndian = bytes[offset + 8] == 0x4D
            }
            let type: UInt32 = integer(bytes, at: offset, littleEndian: littleEndian)
            let length = Int(integer(bytes, at: offset + 4, littleEndian: littleEndian) as UInt32)
            guard length >= 12, length.isMultiple(of: 4), offset + length <= bytes.count else { break }
            if type == interfaceDescriptionBlock {
                // Options follow the link type, a reserved field and the snapshot length; the block's length ends it.
                var option = offset + 16
                let end = offset + length - 4
                while option + 4 <= end {
                    let code: UInt16 = integer(bytes, at: option, littleEndian: littleEndian)
                    let size = Int(integer(bytes, at: option + 2, littleEndian: littleEndian) as UInt16)
                    if code == 0 || option + 4 + size > end { break }
                    if code == timestampResolutionOption, size >= 1 {
                        let value = bytes[option + 4]
                        let exponent = value & 0x7F
                        if value & 0x80 == 0 ? exponent > 6 : exponent >= 20 { return .nanoseconds }
                    }
                    option += 4 + (size + 3) / 4 * 4
                }
            }
            offset += length
        }
        return .microseconds
    }

    /// The unsigned integer at `offset` of `bytes`, in the byte order given.
    private static func integer<Integer: FixedWidthInteger & UnsignedInteger>(
        _ bytes: [UInt8], at offset: Int, littleEndian: Bool
    ) -> Integer {
        let size = MemoryLayout<Integer>.size
        var value: Integer = 0
        for index in 0..<size {
            let byte = Integer(bytes[offset + (littleEndian ? size - 1 - index : index)])
            value = value << 8 | byte
        }
        return value
    }
}
