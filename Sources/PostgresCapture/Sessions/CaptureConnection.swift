import NIOCore
import PostgresWire

/// The decoding state of one TCP connection of a capture: both directions' reassembly, the session decoder, and
/// the bytes kept while looking for a message boundary.
///
/// A value mutated in place in ``CaptureDecoder``'s table, its per-direction state in two-element arrays indexed by
/// direction: a class's struct property is copied (every buffer and table it holds retained) for each
/// non-mutating call, and a dictionary keyed by direction hashes on every access, both once per packet or message.
struct CaptureConnection {
    /// Which connection this is.
    let info: CaptureConnectionInfo
    /// Whether the connection is over (its events are all out).
    private var isClosed = false
    private var decoder: SessionDecoder
    /// Each direction's reassembly, at its ``MessageDirection/index``.
    private var reassemblers = [TCPStreamReassembler(), TCPStreamReassembler()]
    /// Bytes of a direction that is looking for a message boundary, their stream offset, and the stream offset
    /// from which the bytes skipped are counted (the failed message's, after a failure).
    private var resynchronizing: [(bytes: ByteBuffer, offset: Int, skippedFrom: Int)?] = [nil, nil]
    /// Whether each direction's stream has ended.
    private var finishedDirections = [false, false]
    /// Whether a segment of each direction has been seen.
    private var seenDirections = [false, false]
    /// The acknowledgement number of each direction's first acknowledging segment: when a direction acknowledges
    /// more than that while its peer has sent nothing the capture holds, the peer is missing from the capture.
    private var firstAcknowledgements: [UInt32?] = [nil, nil]
    private var encryptedBytes = 0
    private var reportedEncryption = false
    /// Each direction's bytes handed on so far, the missing ones counted: the stream offset of its next byte.
    private var deliveredOffsets = [0, 0]
    /// The times of the packets that carried each direction's bytes not yet decoded, for the events they make.
    private var packetTimes = [PacketTimes(), PacketTimes()]
    /// The ends that sent a FIN, in the packets taken and in those a filter left out (``noteEnding(of:)``).
    private(set) var finishedEnds: Set<Endpoint> = []
    /// Whether a side sent RST, in the packets taken or in those a filter left out.
    private var wasReset = false

    /// Whether the connection is over in the capture as a whole, the packets a filter left out counted: a side
    /// reset it, or both sent FIN. Without a filter, so is every connection that closes but one whose capture
    /// holds one direction only (which its FIN closes).
    var isOverInWholeCapture: Bool { wasReset || finishedEnds.count == 2 }

    /// Starts decoding a connection; `fromStart` when its first bytes will be seen, otherwise each direction is
    /// decoded from the first message boundary found.
    init(info: CaptureConnectionInfo, fromStart: Bool, maximumMessageLength: Int) {
        self.info = info
        decoder = SessionDecoder(maximumMessageLength: maximumMessageLength)
        if !fromStart { resynchronizing = [(ByteBuffer(), 0, 0), (ByteBuffer(), 0, 0)] }
    }

    /// Takes a segment of the connection sent at `time`, and hands what it makes known to `emit`, in order (its
    /// DataRow and CopyData messages go where `bulk` says, in their place in the order);
    /// returns whether the connection is now over (``isClosed``): read here, as reading it from the decoder's table
    /// would copy the connection.
    mutating func accept(
        _ segment: TCPSegment, at time: CaptureTimestamp, bulk: BulkMessageHandling,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows -> Bool {
        let direction: MessageDirection = segment.source == info.client ? .frontend : .backend
        let peer: MessageDirection = direction == .frontend ? .backend : .frontend
        seenDirections[direction.index] = true
        noteEnding(of: segment)
        if segment.isAcknowledgement && !seenDirections[peer.index] && !finishedDirections[peer.index] {
            if let first = firstAcknowledgements[direction.index] {
                // The peer sent bytes (this side acknowledges them) that the capture does not hold, nor anything else
                // of the peer: the capture has one direction only (`dst port 5432`). Its end is marked now, so that
                // this side is decoded as its packets come (its decoder inferring the peer's answers from its own
                // bytes) instead of waiting for answers that will never be seen, and this side's FIN closes it.
                if first != segment.acknowledgementNumber { try finish(peer, at: time, bulk: bulk, emit: emit) }
            } else {
                firstAcknowledgements[direction.index] = segment.acknowledgementNumber
            }
        }
        if segment.isAcknowledgement {
            // The peer's bytes this acknowledges come first: they caused this segment, if anything.
            let acknowledged = reassemblers[peer.index].acknowledged(upTo: segment.acknowledgementNumber)
            try feed(acknowledged, from: peer, at: time, bulk: bulk, emit: emit)
        }
        if let payload = reassemblers[direction.index].acceptInOrder(segment) {
            try feed(payload, from: direction, at: time, bulk: bulk, emit: emit)
        } else {
            let deliveries = reassemblers[direction.index].accept(segment, at: time)
            try feed(deliveries, from: direction, at: time, bulk: bulk, emit: emit)
        }
        if segment.isReset {
            try close(.reset, at: time, bulk: bulk, emit: emit)
        } else if segment.isFinish {
            try finish(direction, at: time, bulk: bulk, emit: emit)
            if !finishedDirections.contains(false) { try close(.finished, at: time, bulk: bulk, emit: emit) }
        }
        return isClosed
    }

    /// Takes note of how `segment`, of this connection, ends it (FIN or RST), without decoding it: for every segment
    /// taken, and for those a filter leaves out, which end the connection all the same. Returns
    /// ``isOverInWholeCapture`` (read here, as reading it from the decoder's table would copy the connection).
    @discardableResult
    mutating func noteEnding(of segment: TCPSegment) -> Bool {
        if segment.isReset { wasReset = true }
        if segment.isFinish { finishedEnds.insert(segment.source) }
        return isOverInWholeCapture
    }

    /// Ends the connection (the capture is over, or a side reset it) and hands the last events to `emit` (and
    /// `bulk`, as ``accept(_:at:bulk:emit:)`` does).
    mutating func close(
        _ reason: CaptureConnectionClose.Reason, at time: CaptureTimestamp, bulk: BulkMessageHandling,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        guard !isClosed else { return }
        for direction in MessageDirection.allCases { try finish(direction, at: time, bulk: bulk, emit: emit) }
        for direction in MessageDirection.allCases where decoder.isEncrypted(direction) {
            encryptedBytes += decoder.remainingBytes(direction)
        }
        isClosed = true
        let record = CaptureConnectionClose(reason: reason, encryptedBytes: encryptedBytes)
        try emit(CaptureEvent(connection: info, time: time, kind: .closed(record)))
    }

    private mutating func finish(
        _ direction: MessageDirection, at time: CaptureTimestamp, bulk: BulkMessageHandling,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        guard !finishedDirections[direction.index] else { return }
        try feed(reassemblers[direction.index].finish(), from: direction, at: time, bulk: bulk, emit: emit)
        finishedDirections[direction.index] = true
        decoder.finish(direction)
        try drain(at: time, bulk: bulk, emit: emit)
    }

    private mutating func feed(
        _ deliveries: [StreamDelivery], from direction: MessageDirection, at time: CaptureTimestamp,
        bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        for delivery in deliveries {
            switch delivery {
            case .gap(let byteCount, let offset):
                // At the time of the packet its missing bytes follow (a packet cut short by the snapshot length is
                // missing its own end).
                let gapTime = packetTimes[direction.index].last ?? time
                try emit(
                    CaptureEvent(
                        connection: info, time: gapTime,
                        kind: .gap(direction, byteCount: byteCount, streamOffset: offset)))
                deliveredOffsets[direction.index] = offset + byteCount
                if !decoder.isEncrypted(direction) {
                    let following = offset + byteCount
                    resynchronizing[direction.index] = (ByteBuffer(), following, following)
                }
            case .data(let bytes, let dataTime):
                try feed(bytes, from: direction, at: dataTime, bulk: bulk, emit: emit)
            }
        }
    }

    /// Takes the next bytes of `direction`'s stream, from a packet captured at `time`: decodes them, keeps them while
    /// looking for a message boundary, or counts them when encrypted.
    private mutating func feed(
        _ bytes: ByteBuffer, from direction: MessageDirection, at time: CaptureTimestamp,
        bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        let streamOffset = deliveredOffsets[direction.index]
        deliveredOffsets[direction.index] += bytes.readableBytes
        if decoder.isEncrypted(direction) {
            encryptedBytes += bytes.readableBytes
        } else if let (bytesSoFar, offset, skippedFrom) = resynchronizing[direction.index] {
            var kept = bytesSoFar
            kept.writeImmutableBuffer(bytes)
            switch MessageBoundaryScanner.scan(kept, direction: direction) {
            case .boundary(let skipped):
                packetTimes[direction.index].record(time, from: streamOffset)
                resynchronizing[direction.index] = nil
                kept.moveReaderIndex(forwardBy: skipped)
                decoder.resume(direction, atStreamOffset: offset + skipped)
                decoder.append(kept, from: direction)
                let kind = CaptureEvent.Kind.resumed(
                    direction, streamOffset: offset + skipped, skippedBytes: offset + skipped - skippedFrom)
                let resumedTime = packetTimes[direction.index].time(at: offset + skipped) ?? time
                try emit(CaptureEvent(connection: info, time: resumedTime, kind: kind))
            case .needsMoreBytes(let discardable):
                packetTimes[direction.index].record(time, from: streamOffset)
                kept.moveReaderIndex(forwardBy: discardable)
                kept.discardReadBytes()
                resynchronizing[direction.index] = (kept, offset + discardable, skippedFrom)
            }
        } else {
            packetTimes[direction.index].record(time, from: streamOffset)
            decoder.append(bytes, from: direction)
        }
        try drain(at: time, bulk: bulk, emit: emit)
    }

    /// Hands on every event the decoder has (the DataRow and CopyData messages before each go where `bulk` says), each
    /// message with the time of the packet its first byte came in, then, once, that the connection is encrypted (at
    /// `time`, the packet's that made the decoder's events known).
    private mutating func drain(
        at time: CaptureTimestamp, bulk: BulkMessageHandling, emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        // The closure is taken out of `bulk` once, not once per event (each time retains and releases its context).
        let info = info
        switch bulk {
        case .decoded:
            while let event = decoder.nextEvent() { try hand(event, at: time, emit: emit) }
        case .framed(let frame):
            // The times as they are before the events: the closure may not read `self`, which the decoder's call holds.
            let times = packetTimes
            while let event = decoder.nextEvent(framingBulkMessages: { direction, message, types in
                let frameTime = times[direction.index].time(at: message.streamOffset) ?? time
                frame(
                    CaptureFrame(
                        connection: info, time: frameTime, direction: direction, frame: message, valueTypes: types))
            }) {
                try hand(event, at: time, emit: emit)
            }
        case .counted(let count):
            while let event = decoder.nextEventCountingBulkMessages({ run in
                count(CaptureMessageRun(connection: info, time: time, run: run))
            }) {
                try hand(event, at: time, emit: emit)
            }
        }
        // Called directly: `decoder.isEncrypted` as a function value would copy the decoder, once per packet.
        if !reportedEncryption && (decoder.isEncrypted(.frontend) || decoder.isEncrypted(.backend)) {
            reportedEncryption = true
            try emit(CaptureEvent(connection: info, time: time, kind: .encrypted))
        }
        for direction in MessageDirection.allCases {
            if decoder.isEncrypted(direction) {
                packetTimes[direction.index].forgetAll()
            } else {
                let undecoded =
                    resynchronizing[direction.index]?.offset
                    ?? deliveredOffsets[direction.index] - decoder.remainingBytes(direction)
                packetTimes[direction.index].forget(before: undecoded)
            }
        }
    }

    /// Hands a decoder's event to `emit`, moved into the capture's event, with the time of the packet its first byte
    /// came in (`time` when not known); after a failure, looks for the failed direction's next message boundary.
    private mutating func hand(
        _ event: consuming SessionDecoder.Event, at time: CaptureTimestamp,
        emit: (consuming CaptureEvent) throws -> Void
    ) rethrows {
        let failure: (MessageDirection, Int)? =
            if case .failure(let direction, let error) = event { (direction, error.offset) } else { nil }
        let (direction, streamOffset) = event.streamPosition
        let eventTime = packetTimes[direction.index].time(at: streamOffset) ?? time
        try emit(CaptureEvent(connection: info, time: eventTime, kind: CaptureEvent.Kind(consume event)))
        if let (failed, failedAt) = failure, !finishedDirections[failed.index] {
            // The search starts after the bytes delivered so far; the skipped bytes are counted from the failed
            // message, whose rest (and the bytes the decoder held after it) are skipped with them.
            let next = reassemblers[failed.index].streamOffset
            resynchronizing[failed.index] = (ByteBuffer(), next, min(failedAt, next))
        }
    }
}

extension SessionDecoder.Event {
    /// The direction and stream offset of the event's first byte: its message's, or where the failed message starts.
    fileprivate var streamPosition: (MessageDirection, Int) {
        switch self {
        case .message(let message): (message.direction, message.offset)
        case .failure(let direction, let error): (direction, error.offset)
        }
    }
}

extension MessageDirection {
    /// The position of a direction's state in ``CaptureConnection``'s two-element arrays: 0 frontend, 1 backend.
    fileprivate var index: Int { self == .frontend ? 0 : 1 }
}
