import NIOCore

/// Puts one direction of a TCP connection back in order: segments that arrive early wait for the missing ones,
/// retransmitted and overlapping bytes are delivered once, and bytes the capture never got become a gap.
///
/// Memory is bounded: when more than ``maximumPendingBytes`` wait for a missing segment, or the peer acknowledges
/// bytes the capture does not hold, the missing bytes are given up as a gap.
public struct TCPStreamReassembler: Sendable {
    /// Out-of-order bytes kept while waiting for a missing segment, at most.
    public static let maximumPendingBytes = 4 << 20

    /// The sequence number of the next byte to deliver; `nil` before the first segment.
    public private(set) var nextSequenceNumber: UInt32?
    /// Bytes delivered or given up as gaps so far: the stream offset of the next byte.
    public private(set) var streamOffset = 0
    /// The segments that wait for a missing one, by sequence number, with the time of the packet each came in.
    private var pending: [UInt32: (payload: ByteBuffer, time: CaptureTimestamp)] = [:]
    private var pendingBytes = 0
    /// The sequence number of the stream's FIN, once seen: its data ends there.
    private var finishSequenceNumber: UInt32?
    /// The highest sequence number the peer acknowledged: the data before it was sent.
    private var highestAcknowledgement: UInt32?

    /// Creates a reassembler that has seen nothing.
    public init() {}

    /// Whether bytes wait for a missing segment.
    public var hasPendingBytes: Bool { pendingBytes > 0 }

    /// Takes a segment of this direction, from a packet captured at `time`, and returns what can now be delivered in
    /// order.
    public mutating func accept(_ segment: TCPSegment, at time: CaptureTimestamp) -> [StreamDelivery] {
        if let payload = acceptInOrder(segment) { return [.data(payload, time: time)] }
        if segment.isSynchronize { nextSequenceNumber = segment.sequenceNumber &+ 1 }
        if segment.isFinish {
            finishSequenceNumber = segment.sequenceNumber &+ UInt32(segment.payload.readableBytes)
        }
        guard segment.payload.readableBytes > 0 else { return [] }
        let start = segment.isSynchronize ? segment.sequenceNumber &+ 1 : segment.sequenceNumber
        if nextSequenceNumber == nil { nextSequenceNumber = start }
        let length = segment.payload.readableBytes
        if let waiting = pending[start], waiting.payload.readableBytes >= length { return [] }
        pendingBytes += length - (pending[start]?.payload.readableBytes ?? 0)
        pending[start] = (segment.payload, time)
        guard let next = nextSequenceNumber, Self.distance(from: next, to: start) > 0 else { return drainPending() }
        return pendingBytes > Self.maximumPendingBytes ? skipToPending() : []
    }

    /// Takes a segment of this direction if it comes as most do: with data, no SYN or FIN, in order, and nothing
    /// waiting. Returns its payload, delivered as it is (without the table of waiting segments, or an array of
    /// deliveries); `nil`, having taken nothing, for any other segment, which ``accept(_:)`` takes.
    public mutating func acceptInOrder(_ segment: TCPSegment) -> ByteBuffer? {
        let length = segment.payload.readableBytes
        guard pendingBytes == 0, length > 0, !segment.isSynchronize, !segment.isFinish,
            segment.sequenceNumber == nextSequenceNumber
        else { return nil }
        nextSequenceNumber = segment.sequenceNumber &+ UInt32(length)
        streamOffset += length
        return segment.payload
    }

    /// The peer acknowledged everything before `acknowledgement`: bytes up to there that the capture lacks while
    /// later ones wait are a gap.
    public mutating func acknowledged(upTo acknowledgement: UInt32) -> [StreamDelivery] {
        guard let next = nextSequenceNumber, Self.distance(from: next, to: acknowledgement) > 0 else { return [] }
        if highestAcknowledgement.map({ Self.distance(from: $0, to: acknowledgement) > 0 }) ?? true {
            highestAcknowledgement = acknowledgement
        }
        return hasPendingBytes ? skipToPending() : []
    }

    /// The stream ended (FIN, RST or the end of the capture): delivers every waiting segment, with the gaps
    /// between them, and a gap for the bytes before the FIN (or that the peer acknowledged) the capture lacks.
    public mutating func finish() -> [StreamDelivery] {
        var deliveries: [StreamDelivery] = []
        while hasPendingBytes { deliveries += skipToPending() }
        if let next = nextSequenceNumber, let end = finishSequenceNumber ?? highestAcknowledgement,
            Self.distance(from: next, to: end) > 0
        {
            let missing = Int(Self.distance(from: next, to: end))
            deliveries.append(.gap(byteCount: missing, streamOffset: streamOffset))
            streamOffset += missing
            nextSequenceNumber = end
        }
        return deliveries
    }

    /// Gives up the bytes before the earliest waiting segment and delivers from there.
    private mutating func skipToPending() -> [StreamDelivery] {
        guard let next = nextSequenceNumber,
            let earliest = pending.keys.min(by: {
                Self.distance(from: next, to: $0) < Self.distance(from: next, to: $1)
            })
        else { return [] }
        let missing = Int(Self.distance(from: next, to: earliest))
        guard missing > 0 else { return drainPending() }
        let gap = StreamDelivery.gap(byteCount: missing, streamOffset: streamOffset)
        streamOffset += missing
        nextSequenceNumber = earliest
        return [gap] + drainPending()
    }

    /// Delivers the waiting segments that start at or before the next byte, without their part already
    /// delivered (retransmitted or overlapping bytes), as long as they are contiguous.
    private mutating func drainPending() -> [StreamDelivery] {
        var deliveries: [StreamDelivery] = []
        while let next = nextSequenceNumber,
            let start = pending.keys.first(where: { Self.distance(from: next, to: $0) <= 0 })
        {
            let (payload, time) = pending.removeValue(forKey: start)!
            pendingBytes -= payload.readableBytes
            let alreadyDelivered = Int(Self.distance(from: start, to: next))
            guard alreadyDelivered < payload.readableBytes else { continue }
            let fresh = payload.getSlice(
                at: payload.readerIndex + alreadyDelivered, length: payload.readableBytes - alreadyDelivered)!
            nextSequenceNumber = next &+ UInt32(fresh.readableBytes)
            streamOffset += fresh.readableBytes
            deliveries.append(.data(fresh, time: time))
        }
        return deliveries
    }

    /// How far `later` is after `earlier` in sequence space (negative when before), modulo 2³².
    static func distance(from earlier: UInt32, to later: UInt32) -> Int32 {
        Int32(bitPattern: later &- earlier)
    }
}
