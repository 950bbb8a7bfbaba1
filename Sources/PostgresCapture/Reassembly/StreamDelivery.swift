import NIOCore

/// What a ``TCPStreamReassembler`` hands on, in stream order.
public enum StreamDelivery: Sendable {
    /// The next bytes of the stream, and the time of the packet they came in.
    case data(ByteBuffer, time: CaptureTimestamp)
    /// Bytes the capture does not hold (lost by the capture, or sent before it started), the first of them
    /// `streamOffset` bytes into the stream (the missing bytes counted); then the stream goes on.
    case gap(byteCount: Int, streamOffset: Int)
}
