import NIOCore
import PostgresCapture
import Testing

/// Reassembly of one direction without files: sequence wrap-around, the pending-bytes bound, gaps on acknowledgement.
@Suite("TCPStreamReassembler")
struct TCPStreamReassemblerTests {
    static func segment(_ sequence: UInt32, _ bytes: [UInt8], flags: UInt8 = 0x18) -> TCPSegment {
        TCPSegment(
            source: Endpoint(address: [10, 0, 0, 1], port: 1), destination: Endpoint(address: [10, 0, 0, 2], port: 2),
            sequenceNumber: sequence, acknowledgementNumber: 0, flags: flags, payload: ByteBuffer(bytes: bytes))
    }

    /// The time every segment of these tests is taken at.
    static let time = CaptureTimestamp(seconds: 1_764_560_000, nanoseconds: 0)

    static func text(_ deliveries: [StreamDelivery]) -> [String] {
        deliveries.map {
            switch $0 {
            case .data(let bytes, _): String(decoding: bytes.readableBytesView, as: UTF8.self)
            case .gap(let count, let offset): "<gap \(count) at \(offset)>"
            }
        }
    }

    @Test("sequence numbers that wrap around")
    func wrapAround() {
        var reassembler = TCPStreamReassembler()
        _ = reassembler.accept(Self.segment(UInt32.max - 1, [], flags: 0x02), at: Self.time)
        #expect(Self.text(reassembler.accept(Self.segment(UInt32.max &+ 2, Array("cd".utf8)), at: Self.time)) == [])
        #expect(
            Self.text(reassembler.accept(Self.segment(UInt32.max, Array("ab".utf8)), at: Self.time)) == ["ab", "cd"])
        #expect(reassembler.streamOffset == 4)
    }

    @Test("the peer acknowledging bytes the capture lacks makes a gap at once, at the missing bytes' offset")
    func acknowledgedGap() {
        var reassembler = TCPStreamReassembler()
        _ = reassembler.accept(Self.segment(100, Array("ab".utf8)), at: Self.time)
        #expect(Self.text(reassembler.accept(Self.segment(105, Array("f".utf8)), at: Self.time)) == [])
        #expect(Self.text(reassembler.acknowledged(upTo: 103)) == ["<gap 3 at 2>", "f"])
    }

    @Test("out-of-order bytes are bounded: past the limit, the missing bytes become a gap")
    func bounded() {
        var reassembler = TCPStreamReassembler()
        _ = reassembler.accept(Self.segment(0, [1]), at: Self.time)
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        var delivered: [StreamDelivery] = []
        for index in 0..<5 {
            delivered += reassembler.accept(Self.segment(UInt32(2 + index * chunk.count), chunk), at: Self.time)
        }
        #expect(Self.text(delivered).first == "<gap 1 at 1>")
        #expect(!reassembler.hasPendingBytes)
        #expect(reassembler.streamOffset == 2 + 5 * chunk.count)
    }

    @Test("bytes lost before the FIN, or acknowledged by the peer, are a gap at the end; a FIN's own ack is not")
    func tailLoss() {
        var reassembler = TCPStreamReassembler()
        _ = reassembler.accept(Self.segment(100, Array("ab".utf8)), at: Self.time)
        #expect(Self.text(reassembler.accept(Self.segment(106, [], flags: 0x11), at: Self.time)) == [])
        #expect(Self.text(reassembler.acknowledged(upTo: 107)) == [])
        #expect(Self.text(reassembler.finish()) == ["<gap 4 at 2>"])
        #expect(reassembler.streamOffset == 6)

        var reset = TCPStreamReassembler()
        _ = reset.accept(Self.segment(0, Array("abc".utf8)), at: Self.time)
        _ = reset.acknowledged(upTo: 10)
        #expect(Self.text(reset.finish()) == ["<gap 7 at 3>"])

        var complete = TCPStreamReassembler()
        _ = complete.accept(Self.segment(0, Array("abc".utf8), flags: 0x19), at: Self.time)
        _ = complete.acknowledged(upTo: 4)
        #expect(Self.text(complete.finish()) == [])
    }
}
