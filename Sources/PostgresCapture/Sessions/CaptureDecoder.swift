import NIOCore
import PostgresWire

/// Decodes the PostgreSQL connections in a capture's packets, fed in capture order: finds the TCP connections to
/// the PostgreSQL ports (or that start with a startup packet), reassembles each direction, and decodes both with a
/// ``SessionDecoder``. Events of all connections come in packet order, as the packets make them known; each message
/// has the time of the packet its first byte came in, a gap that of the packet its missing bytes follow.
///
/// Memory is bounded by the open connections: a connection's state is dropped when it closes (FIN from both sides,
/// or RST).
public struct CaptureDecoder {
    /// The server ports whose connections are decoded (besides those detected by their startup packet).
    public let ports: Set<UInt16>
    /// The largest message accepted, header included.
    public let maximumMessageLength: Int
    /// The open connections, by their ends in either order (``Flow``): one hash per packet, whichever way it goes.
    private var connections: [Flow: CaptureConnection] = [:]
    private var nextConnectionID = 1
    /// The open connections numbered from packets a filter left out (``leaveOut(_:bulk:emit:)``) that no packet
    /// decoded yet: the first one that is decoded keeps the number. And those whose decoding is over while the
    /// capture as a whole has them open: their later packets are theirs, not another connection's.
    private var numberedOnly: [Flow: NumberedConnection] = [:]
    /// Whether the filter left out a packet so far.
    private var leavesPacketsOut = false

    /// A connection known only by its number: its ends, whether its first packet was seen, and how it is closing.
    private struct NumberedConnection {
        /// The connection's number and ends.
        var info: CaptureConnectionInfo
        /// Whether every byte it carried so far was seen (a filter left out packets without payload only).
        var fromStart: Bool
        /// The ends that have sent a FIN.
        var finished: Set<Endpoint> = []
        /// Whether it was decoded, and its decoding is over: the packets the filter takes closed it (as they close it
        /// in a capture of them alone: one side's FIN, when they are that side's), the others keep it open.
        var isDecoded = false
    }

    /// A connection's two ends, the lesser first (not client first), so that the segments of both directions find
    /// the connection with one lookup.
    private struct Flow: Hashable {
        var low: Endpoint
        var high: Endpoint

        /// The flow of a segment from `source` to `destination`.
        init(_ source: Endpoint, _ destination: Endpoint) {
            (low, high) = source < destination ? (source, destination) : (destination, source)
        }
    }

    /// Creates a decoder for connections to `ports`.
    public init(ports: Set<UInt16> = [5432], maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength) {
        self.ports = ports
        self.maximumMessageLength = maximumMessageLength
    }

    /// The number of the last connection numbered so far (0 before the first): connections are numbered from 1 in
    /// the order they appear, those a filter leaves out too.
    public var highestConnectionNumber: Int { nextConnectionID - 1 }

    /// The number of connections open (seen, not yet closed).
    public var openConnectionCount: Int { connections.count }

    /// Takes the next packet of the capture and hands the events it makes known to `emit`, in order (each event is
    /// given to `emit`, not copied: a copy retains every buffer its message slices).
    public mutating func process(_ packet: CapturedPacket, emit: (consuming CaptureEvent) throws -> Void) rethrows {
        try process(packet, bulk: .decoded, emit: emit)
    }

    /// ``process(_:emit:)`` with the bulk of the traffic framed in place instead of decoded: each DataRow and
    /// CopyData message goes to `visit` (in its place among the events), its bytes valid only during the call,
    /// with no message value built, copied or retained for it.
    public mutating func process(
        _ packet: CapturedPacket, framingBulkMessages visit: (CaptureFrame) -> Void,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(visit) { visit in try process(packet, bulk: .framed(visit), emit: emit) }
    }

    /// ``process(_:emit:)`` with the bulk of the traffic counted in place instead of decoded, for totals: the
    /// DataRow and CopyData messages are checked as ``process(_:framingBulkMessages:emit:)`` checks them and go to
    /// `count` as runs (consecutive messages of one connection, direction and type), in their place among the
    /// events; no message value is built for them and nothing is called per message.
    public mutating func process(
        _ packet: CapturedPacket, countingBulkMessages count: (CaptureMessageRun) -> Void,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(count) { count in try process(packet, bulk: .counted(count), emit: emit) }
    }

    private mutating func process(
        _ packet: CapturedPacket, bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        guard packet.matchesFilter else { return try leaveOut(packet, bulk: bulk, emit: emit) }
        guard let segment = PacketParser.tcpSegment(in: packet) else { return }
        let flow = Flow(segment.source, segment.destination)
        let index: Dictionary<Flow, CaptureConnection>.Index
        if let known = connections.index(forKey: flow) {
            index = known
        } else {
            let info: CaptureConnectionInfo
            let fromStart: Bool
            var numbered = numberedOnly.removeValue(forKey: flow)
            if let decoded = numbered, decoded.isDecoded {
                // The connection is not over: its packets are its own (not a new connection's, from mid-connection),
                // until it ends or a new connection starts on its ends.
                guard segment.isSynchronize && !segment.isAcknowledgement else { return follow(decoded, segment, flow) }
                numbered = nil
            }
            if let numbered {
                (info, fromStart) = (numbered.info, numbered.fromStart)
            } else {
                guard let (fromClient, startSeen) = newConnection(segment) else { return }
                let (client, server) =
                    fromClient ? (segment.source, segment.destination) : (segment.destination, segment.source)
                info = CaptureConnectionInfo(id: nextConnectionID, client: client, server: server)
                fromStart = startSeen
                nextConnectionID += 1
            }
            connections[flow] = CaptureConnection(
                info: info, fromStart: fromStart, maximumMessageLength: maximumMessageLength)
            index = connections.index(forKey: flow)!
            try emit(CaptureEvent(connection: info, time: packet.timestamp, kind: .opened(fromStart: fromStart)))
        }
        // Mutated in place through the index: no second lookup, and no copy of the connection's state (which reading
        // a property through the index would make).
        if try connections.values[index].accept(segment, at: packet.timestamp, bulk: bulk, emit: emit) {
            let closed = connections.remove(at: index).value
            if leavesPacketsOut && !closed.isOverInWholeCapture {
                numberedOnly[flow] = NumberedConnection(
                    info: closed.info, fromStart: false, finished: closed.finishedEnds, isDecoded: true)
            }
        }
    }

    /// Takes a packet that the filter leaves out (`pgw decode --filter`): nothing of it is decoded, but a connection
    /// it starts takes the next number, and one it closes (FIN from both ends, or RST) is over, so that every
    /// connection has the number it has in a run without the filter (as tshark's `tcp.stream` keeps its), and the packets the
    /// filter takes belong to the connections they belong to without it. A later packet that the filter takes decodes
    /// the connection under that number (from its first message boundary, when packets with bytes of it were left
    /// out).
    private mutating func leaveOut(
        _ packet: CapturedPacket, bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        leavesPacketsOut = true
        guard let segment = PacketParser.tcpSegment(in: packet) else { return }
        let flow = Flow(segment.source, segment.destination)
        if let index = connections.index(forKey: flow) {
            // A connection being decoded decodes only the packets the filter takes, but ends where the capture's
            // packets end it.
            guard connections.values[index].noteEnding(of: segment) else { return }
            var closing = connections.remove(at: index).value
            try closing.close(segment.isReset ? .reset : .finished, at: packet.timestamp, bulk: bulk, emit: emit)
            return
        }
        if let numbered = numberedOnly.removeValue(forKey: flow) {
            guard numbered.isDecoded && segment.isSynchronize && !segment.isAcknowledgement else {
                return follow(numbered, segment, flow)
            }
        }
        guard let (fromClient, fromStart) = newConnection(segment) else { return }
        let (client, server) =
            fromClient ? (segment.source, segment.destination) : (segment.destination, segment.source)
        var numbered = NumberedConnection(
            info: CaptureConnectionInfo(id: nextConnectionID, client: client, server: server),
            fromStart: fromStart && segment.payload.readableBytes == 0)
        nextConnectionID += 1
        if segment.isFinish { numbered.finished.insert(segment.source) }
        numberedOnly[flow] = numbered
    }

    /// Follows `numbered`, a connection of `flow` known by its number only (taken out of ``numberedOnly``), through
    /// `segment`, one of its packets, decoded or not: it is over after an RST or FIN from both ends, and no longer
    /// from its start after a packet with bytes.
    private mutating func follow(_ numbered: NumberedConnection, _ segment: TCPSegment, _ flow: Flow) {
        guard !segment.isReset else { return }
        var numbered = numbered
        if segment.payload.readableBytes > 0 { numbered.fromStart = false }
        if segment.isFinish { numbered.finished.insert(segment.source) }
        if numbered.finished.count < 2 { numberedOnly[flow] = numbered }
    }

    /// The capture is over: closes every open connection, in the order they opened, and hands their last events
    /// to `emit`.
    public mutating func finish(at time: CaptureTimestamp, emit: (consuming CaptureEvent) throws -> Void) rethrows {
        try finish(at: time, bulk: .decoded, emit: emit)
    }

    /// ``finish(at:emit:)`` with DataRow and CopyData messages framed in place, as
    /// ``process(_:framingBulkMessages:emit:)`` frames them.
    public mutating func finish(
        at time: CaptureTimestamp, framingBulkMessages visit: (CaptureFrame) -> Void,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(visit) { visit in try finish(at: time, bulk: .framed(visit), emit: emit) }
    }

    /// ``finish(at:emit:)`` with DataRow and CopyData messages counted in place, as
    /// ``process(_:countingBulkMessages:emit:)`` counts them.
    public mutating func finish(
        at time: CaptureTimestamp, countingBulkMessages count: (CaptureMessageRun) -> Void,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        try withoutActuallyEscaping(count) { count in try finish(at: time, bulk: .counted(count), emit: emit) }
    }

    private mutating func finish(
        at time: CaptureTimestamp, bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        for var connection in connections.values.sorted(by: { $0.info.id < $1.info.id }) {
            try connection.close(.endOfCapture, at: time, bulk: bulk, emit: emit)
        }
        connections = [:]
        numberedOnly = [:]
    }

    /// Whether `segment`, of a flow not yet known, starts a connection to decode: whether its sender is the client
    /// and whether the connection's start is in the capture.
    private func newConnection(_ segment: TCPSegment) -> (fromClient: Bool, fromStart: Bool)? {
        guard !segment.isReset else { return nil }
        if segment.isSynchronize {
            if !segment.isAcknowledgement && ports.contains(segment.destination.port) { return (true, true) }
            if segment.isAcknowledgement && ports.contains(segment.source.port) { return (false, true) }
            return nil
        }
        guard segment.payload.readableBytes > 0 else { return nil }
        if MessageBoundaryScanner.looksLikeStartupPacket(segment.payload) { return (true, true) }
        if ports.contains(segment.destination.port) { return (true, false) }
        if ports.contains(segment.source.port) { return (false, false) }
        return nil
    }
}
