import NIOCore
import PostgresWire

/// Decodes the PostgreSQL connections in a capture's packets, fed in capture order: finds the TCP connections to
/// the PostgreSQL ports (or that start with a startup packet), reassembles each direction, and decodes both with a
/// ``SessionDecoder``. Events of all connections come in packet order, each with its packet's time.
///
/// Memory is bounded by the open connections: a connection's state is dropped when it closes (FIN from both sides,
/// or RST).
public struct CaptureDecoder {
    /// The server ports whose connections are decoded (besides those detected by their startup packet).
    public let ports: Set<UInt16>
    /// The largest message accepted, header included.
    public let maximumMessageLength: Int
    private var connections: [Flow: CaptureConnection] = [:]
    private var nextConnectionID = 1

    /// A connection's ends, client first.
    private struct Flow: Hashable {
        var client: Endpoint
        var server: Endpoint
    }

    /// Creates a decoder for connections to `ports`.
    public init(ports: Set<UInt16> = [5432], maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength) {
        self.ports = ports
        self.maximumMessageLength = maximumMessageLength
    }

    /// The number of connections open (seen, not yet closed).
    public var openConnectionCount: Int { connections.count }

    /// Takes the next packet of the capture and hands the events it makes known to `emit`, in order (each event is
    /// lent to `emit`, not copied: a copy retains every buffer its message slices).
    public mutating func process(_ packet: CapturedPacket, emit: (CaptureEvent) throws -> Void) rethrows {
        try process(packet, frame: nil, emit: emit)
    }

    /// ``process(_:emit:)`` with the bulk of the traffic framed in place instead of decoded: each DataRow and
    /// CopyData message goes to `visit` (in its place among the events), its bytes valid only during the call,
    /// with no message value built, copied or retained for it.
    public mutating func process(
        _ packet: CapturedPacket, framingBulkMessages visit: (CaptureFrame) -> Void,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(visit) { visit in try process(packet, frame: visit, emit: emit) }
    }

    private mutating func process(
        _ packet: CapturedPacket, frame: ((CaptureFrame) -> Void)?, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        guard let segment = PacketParser.tcpSegment(in: packet) else { return }
        let outbound = Flow(client: segment.source, server: segment.destination)
        let inbound = Flow(client: segment.destination, server: segment.source)
        let flow: Flow
        let direction: MessageDirection
        if connections[outbound] != nil {
            (flow, direction) = (outbound, .frontend)
        } else if connections[inbound] != nil {
            (flow, direction) = (inbound, .backend)
        } else {
            guard let (newFlow, fromStart) = newConnection(segment) else { return }
            flow = newFlow
            direction = newFlow == outbound ? .frontend : .backend
            let info = CaptureConnectionInfo(id: nextConnectionID, client: newFlow.client, server: newFlow.server)
            nextConnectionID += 1
            connections[flow] = CaptureConnection(
                info: info, fromStart: fromStart, maximumMessageLength: maximumMessageLength)
            try emit(CaptureEvent(connection: info, time: packet.timestamp, kind: .opened(fromStart: fromStart)))
        }
        let connection = connections[flow]!
        try connection.accept(segment, from: direction, at: packet.timestamp, frame: frame, emit: emit)
        if connection.isClosed { connections[flow] = nil }
    }

    /// The capture is over: closes every open connection, in the order they opened, and hands their last events
    /// to `emit`.
    public mutating func finish(at time: CaptureTimestamp, emit: (CaptureEvent) throws -> Void) rethrows {
        try finish(at: time, frame: nil, emit: emit)
    }

    /// ``finish(at:emit:)`` with DataRow and CopyData messages framed in place, as
    /// ``process(_:framingBulkMessages:emit:)`` frames them.
    public mutating func finish(
        at time: CaptureTimestamp, framingBulkMessages visit: (CaptureFrame) -> Void,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(visit) { visit in try finish(at: time, frame: visit, emit: emit) }
    }

    private mutating func finish(
        at time: CaptureTimestamp, frame: ((CaptureFrame) -> Void)?, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        for connection in connections.values.sorted(by: { $0.info.id < $1.info.id }) {
            try connection.close(.endOfCapture, at: time, frame: frame, emit: emit)
        }
        connections = [:]
    }

    /// Whether `segment`, of a flow not yet known, starts a connection to decode: which side is the client and
    /// whether the connection's start is in the capture.
    private func newConnection(_ segment: TCPSegment) -> (Flow, fromStart: Bool)? {
        let outbound = Flow(client: segment.source, server: segment.destination)
        let inbound = Flow(client: segment.destination, server: segment.source)
        guard !segment.isReset else { return nil }
        if segment.isSynchronize {
            if !segment.isAcknowledgement && ports.contains(segment.destination.port) { return (outbound, true) }
            if segment.isAcknowledgement && ports.contains(segment.source.port) { return (inbound, true) }
            return nil
        }
        guard segment.payload.readableBytes > 0 else { return nil }
        if MessageBoundaryScanner.looksLikeStartupPacket(segment.payload) { return (outbound, true) }
        if ports.contains(segment.destination.port) { return (outbound, false) }
        if ports.contains(segment.source.port) { return (inbound, false) }
        return nil
    }
}
