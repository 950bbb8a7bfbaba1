import Foundation
import NIOCore
import PostgresCapture
import PostgresWire
import Testing

/// Capture files whose headers say anything: every header byte of a small pcap and pcapng file set, one at a time,
/// to a few values, then the file read and decoded as `pgw decode` does (timestamps rendered, latencies taken). A
/// damaged value is a read error or a strange time, never a trap or a hang.
@Suite("Capture files with hostile header values are read without trapping")
struct CaptureHostileHeaderTests {
    typealias Scenario = CaptureScenario

    /// The values each header byte is set to (besides its own value with the lowest bit flipped).
    static let values: [UInt8] = [0x00, 0x7F, 0x80, 0xFF]

    /// A small session's pcap file (nanosecond, host byte order, as libpcap writes it).
    static func sessionCapture() throws -> [UInt8] {
        var connection = SyntheticConnection.ipv4()
        let segments =
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send(Scenario.query("select 1")), connection.send(Scenario.result("SELECT 1")),
            ] + connection.close()
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        return Array(try Data(contentsOf: URL(filePath: path)))
    }

    /// The packets of a pcap file in host byte order: each one's timestamp words and bytes.
    static func records(of pcap: [UInt8]) -> [(seconds: UInt32, fraction: UInt32, data: [UInt8])] {
        func word(_ offset: Int) -> UInt32 {
            pcap[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        var records: [(UInt32, UInt32, [UInt8])] = []
        var offset = 24
        while offset + 16 <= pcap.count {
            let length = Int(word(offset + 8))
            records.append((word(offset), word(offset + 4), Array(pcap[(offset + 16)..<(offset + 16 + length)])))
            offset += 16 + length
        }
        return records
    }

    /// The offsets of the header bytes of a pcap file: the file header's and each record header's.
    static func pcapHeaderOffsets(_ pcap: [UInt8]) -> [Int] {
        var offsets = Array(0..<24)
        var offset = 24
        for record in records(of: pcap) {
            offsets += offset..<(offset + 16)
            offset += 16 + record.data.count
        }
        return offsets
    }

    /// The same packets as a pcapng file (little-endian): a section header, an interface description with
    /// nanosecond resolution and a timestamp offset, and one enhanced packet block per packet; with the offsets of
    /// every byte that is not packet data.
    static func pcapng(_ pcap: [UInt8]) -> (bytes: [UInt8], headerOffsets: [Int]) {
        var bytes: [UInt8] = []
        var headerOffsets: [Int] = []
        func append(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func appendHeader(_ words: [UInt32]) {
            headerOffsets += bytes.count..<(bytes.count + 4 * words.count)
            for word in words { append(word) }
        }
        // Section header: type, length, byte-order magic, version 1.0, section length unknown (-1), length.
        appendHeader([0x0A0D_0D0A, 28, 0x1A2B_3C4D, 1, 0xFFFF_FFFF, 0xFFFF_FFFF, 28])
        // Interface: Ethernet, snapshot length; if_tsresol 9 (nanoseconds), if_tsoffset 0, end of options.
        appendHeader([1, 44, 1, 262_144, 0x0001_0009, 9, 0x0008_000E, 0, 0, 0, 44])
        for record in records(of: pcap) {
            let nanoseconds = UInt64(record.seconds) * 1_000_000_000 + UInt64(record.fraction)
            let padded = (record.data.count + 3) / 4 * 4
            let length = UInt32(32 + padded)
            appendHeader([
                6, length, 0, UInt32(nanoseconds >> 32), UInt32(truncatingIfNeeded: nanoseconds),
                UInt32(record.data.count), UInt32(record.data.count),
            ])
            bytes += record.data + [UInt8](repeating: 0, count: padded - record.data.count)
            appendHeader([length])
        }
        return (bytes, headerOffsets)
    }

    /// Reads and decodes the capture `bytes` as `pgw decode` does, rendering every event's time and the time
    /// between packets; returns the number of events (a damaged file ends early).
    static func decode(_ bytes: [UInt8], at path: String) throws -> Int {
        try Data(bytes).write(to: URL(filePath: path))
        guard let file = try? PacketCaptureFile(path: path) else { return 0 }
        var decoder = CaptureDecoder(ports: [5432])
        var count = 0
        var previous: CaptureTimestamp?
        func take(_ event: CaptureEvent) {
            count += 1
            _ = event.time.rfc3339 + event.time.timeOfDay
        }
        do {
            while let packet = try file.nextPacket() {
                if let previous {
                    _ = StatementLatency(nanoseconds: packet.timestamp.nanoseconds(since: previous)).text
                    _ = StatementLatency(nanoseconds: previous.nanoseconds(since: packet.timestamp)).jsonMember
                }
                previous = packet.timestamp
                decoder.process(packet, emit: take)
            }
        } catch {
            // A damaged file: what came before it is decoded.
        }
        decoder.finish(at: previous ?? CaptureTimestamp(seconds: 0, nanoseconds: 0), emit: take)
        return count
    }

    @Test("every header byte of a pcap and a pcapng file, set to hostile values one at a time")
    func mutatedHeaders() throws {
        let pcap = try Self.sessionCapture()
        let (pcapngBytes, pcapngOffsets) = Self.pcapng(pcap)
        let path = Scenario.temporaryPath("mutated")
        defer { unlink(path) }
        #expect(try Self.decode(pcap, at: path) == 8)
        #expect(try Self.decode(pcapngBytes, at: path) == 8)
        for (original, offsets) in [(pcap, Self.pcapHeaderOffsets(pcap)), (pcapngBytes, pcapngOffsets)] {
            for offset in offsets {
                for value in Self.values + [original[offset] ^ 1] where value != original[offset] {
                    var mutated = original
                    mutated[offset] = value
                    _ = try Self.decode(mutated, at: path)
                }
            }
        }
    }

    @Test("a microsecond record's fraction past a second carries into the seconds (tcpdump reads such files)")
    func microsecondsPastASecond() throws {
        var pcap = try Self.sessionCapture()
        // As a microsecond file (magic a1b2c3d4), the first record's fraction 0x7fffffff, and the last's 0xffffffff.
        pcap.replaceSubrange(0..<4, with: [0xD4, 0xC3, 0xB2, 0xA1])
        pcap.replaceSubrange(28..<32, with: [0xFF, 0xFF, 0xFF, 0x7F])
        let lastRecord = Self.pcapHeaderOffsets(pcap).suffix(16).first!
        pcap.replaceSubrange((lastRecord + 4)..<(lastRecord + 8), with: [0xFF, 0xFF, 0xFF, 0xFF])
        let path = Scenario.temporaryPath("usec.pcap")
        defer { unlink(path) }
        try Data(pcap).write(to: URL(filePath: path))
        let file = try PacketCaptureFile(path: path)
        let first = try #require(try file.nextPacket())
        #expect(first.timestamp.seconds == 1_764_560_000 + 2147 && first.timestamp.nanoseconds == 483_647_000)
        #expect(try Self.decode(pcap, at: path) == 8)
    }

    @Test("timestamps at the ends of Int64: no overflow in their text or in the time between them")
    func extremeTimestamps() {
        let earliest = CaptureTimestamp(seconds: .min, nanoseconds: 0)
        let latest = CaptureTimestamp(seconds: .max, nanoseconds: 999_999_999)
        #expect(latest.nanoseconds(since: earliest) == .max)
        #expect(earliest.nanoseconds(since: latest) == .min)
        #expect(StatementLatency(nanoseconds: .max).microseconds == Int64.max / 1000 + 1)
        #expect(StatementLatency(nanoseconds: .min).text.hasPrefix("-"))
        #expect(!earliest.timeOfDay.isEmpty && !latest.rfc3339.isEmpty && !earliest.rfc3339.isEmpty)
        let carried = CaptureTimestamp(seconds: .max, carryingNanoseconds: 2_000_000_000)
        #expect(carried.seconds == .max && carried.nanoseconds == 0)
        let borrowed = CaptureTimestamp(seconds: 10, carryingNanoseconds: -1)
        #expect(borrowed.seconds == 9 && borrowed.nanoseconds == 999_999_999)
    }
}
