import NIOCore

/// The times of the packets that carried one direction's bytes not yet decoded, by where their bytes start in the
/// stream: a message is given the time of the packet its first byte came in, not of the packet that completed it
/// (a later one, after a message split over packets, or segments held back by a gap).
///
/// Memory is bounded by the bytes not yet decoded: the times of packets whose bytes are all decoded are forgotten.
struct PacketTimes {
    /// Where each packet's bytes start in the stream and when it was captured, in stream order.
    private var marks = CircularBuffer<(streamOffset: Int, time: CaptureTimestamp)>(initialCapacity: 4)

    /// The time of the last packet whose bytes were taken; `nil` before the first.
    var last: CaptureTimestamp? { marks.last?.time }

    /// Takes bytes from `streamOffset` on, carried by a packet captured at `time`.
    mutating func record(_ time: CaptureTimestamp, from streamOffset: Int) {
        // Bytes of the same packet (delivered in parts, around a gap) have its time already.
        if marks.last?.time == time { return }
        marks.append((streamOffset, time))
    }

    /// The time of the packet that carried the byte at `streamOffset`; `nil` when no packet's bytes were taken.
    func time(at streamOffset: Int) -> CaptureTimestamp? {
        // Backwards: the byte asked for is nearly always in one of the last packets.
        var index = marks.endIndex
        while index > marks.startIndex {
            index = marks.index(before: index)
            if marks[index].streamOffset <= streamOffset { return marks[index].time }
        }
        return marks.first?.time
    }

    /// Forgets the packets whose bytes all come before `streamOffset` (those bytes are decoded or skipped).
    mutating func forget(before streamOffset: Int) {
        while marks.count > 1, marks[marks.index(after: marks.startIndex)].streamOffset <= streamOffset {
            marks.removeFirst()
        }
    }

    /// Forgets every packet (the rest of the stream is not decoded).
    mutating func forgetAll() {
        marks.removeAll(keepingCapacity: true)
    }
}
