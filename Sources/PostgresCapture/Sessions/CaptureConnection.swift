import NIOCore
import PostgresWire

/// The decoding state of one TCP connection of a capture: both directions' reassembly, the session decoder, and
/// the bytes kept while looking for a message boundary.
final class CaptureConnection {
    /// Which connection this is.
    let info: CaptureConnectionInfo
    /// Whether the connection is over (its events are all out).
    private(set) var isClosed = false
    private var decoder: SessionDecoder
    private var reassemblers: [MessageDirection: TCPStreamReassembler] = [.frontend: .init(), .backend: .init()]
    /// Bytes of a direction that is looking for a message boundary, and their stream offset.
    private var resynchronizing: [MessageDirection: (bytes: ByteBuffer, offset: Int)] = [:]
    private var finishedDirections: Set<MessageDirection> = []
    private var encryptedBytes = 0
    private var reportedEncryption = false
    private let maximumMessageLength: Int

    /// Starts decoding a connection; `fromStart` when its first bytes will be seen, otherwise each direction is
    /// decoded from the first message boundary found.
    init(info: CaptureConnectionInfo, fromStart: Bool, maximumMessageLength: Int) {
        self.info = info
        self.maximumMessageLength = maximumMessageLength
        decoder = SessionDecoder(maximumMessageLength: maximumMessageLength)
        if !fromStart {
            for direction in MessageDirection.allCases { resynchronizing[direction] = (ByteBuffer(), 0) }
        }
    }

    /// Takes a segment sent in `direction` at `time`, and hands what it makes known to `emit`, in order.
    func accept(
        _ segment: TCPSegment, from direction: MessageDirection, at time: CaptureTimestamp,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        let peer: MessageDirection = direction == .frontend ? .backend : .frontend
        if segment.isAcknowledgement {
            // The peer's bytes this acknowledges come first: they caused this segment, if anything.
            let acknowledged = reassemblers[peer]!.acknowledged(upTo: segment.acknowledgementNumber)
            try feed(acknowledged, from: peer, at: time, emit: emit)
        }
        try feed(reassemblers[direction]!.accept(segment), from: direction, at: time, emit: emit)
        if segment.isReset {
            try close(.reset, at: time, emit: emit)
        } else if segment.isFinish {
            try finish(direction, at: time, emit: emit)
            if finishedDirections.count == 2 { try close(.finished, at: time, emit: emit) }
        }
    }

    /// Ends the connection (the capture is over, or a side reset it) and hands the last events to `emit`.
    func close(
        _ reason: CaptureConnectionClose.Reason, at time: CaptureTimestamp, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        guard !isClosed else { return }
        for direction in MessageDirection.allCases { try finish(direction, at: time, emit: emit) }
        for direction in MessageDirection.allCases where decoder.isEncrypted(direction) {
            encryptedBytes += decoder.remainingBytes(direction)
        }
        isClosed = true
        let record = CaptureConnectionClose(reason: reason, encryptedBytes: encryptedBytes)
        try emit(CaptureEvent(connection: info, time: time, kind: .closed(record)))
    }

    private func finish(
        _ direction: MessageDirection, at time: CaptureTimestamp, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        guard !finishedDirections.contains(direction) else { return }
        try feed(reassemblers[direction]!.finish(), from: direction, at: time, emit: emit)
        finishedDirections.insert(direction)
        decoder.finish(direction)
        try drain(at: time, emit: emit)
    }

    private func feed(
        _ deliveries: [StreamDelivery], from direction: MessageDirection, at time: CaptureTimestamp,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        for delivery in deliveries {
            switch delivery {
            case .gap(let byteCount):
                let offset = reassemblers[direction]!.streamOffset
                try emit(
                    CaptureEvent(
                        connection: info, time: time, kind: .gap(direction, byteCount: byteCount, streamOffset: offset))
                )
                if !decoder.isEncrypted(direction) { resynchronizing[direction] = (ByteBuffer(), offset) }
            case .data(let bytes):
                if decoder.isEncrypted(direction) {
                    encryptedBytes += bytes.readableBytes
                } else if let (bytesSoFar, offset) = resynchronizing[direction] {
                    var kept = bytesSoFar
                    kept.writeImmutableBuffer(bytes)
                    switch MessageBoundaryScanner.scan(
                        kept, direction: direction, maximumMessageLength: maximumMessageLength)
                    {
                    case .boundary(let skipped):
                        resynchronizing[direction] = nil
                        kept.moveReaderIndex(forwardBy: skipped)
                        decoder.resume(direction, atStreamOffset: offset + skipped)
                        decoder.append(kept, from: direction)
                        let kind = CaptureEvent.Kind.resumed(
                            direction, streamOffset: offset + skipped, skippedBytes: skipped)
                        try emit(CaptureEvent(connection: info, time: time, kind: kind))
                    case .needsMoreBytes(let discardable):
                        kept.moveReaderIndex(forwardBy: discardable)
                        kept.discardReadBytes()
                        resynchronizing[direction] = (kept, offset + discardable)
                    }
                } else {
                    decoder.append(bytes, from: direction)
                }
                try drain(at: time, emit: emit)
            }
        }
    }

    private func drain(at time: CaptureTimestamp, emit: (CaptureEvent) throws -> Void) rethrows {
        while let event = decoder.nextEvent() {
            switch event {
            case .message(let message):
                try emit(CaptureEvent(connection: info, time: time, kind: .message(message)))
            case .failure(let direction, let error):
                try emit(CaptureEvent(connection: info, time: time, kind: .failure(direction, error)))
                if !finishedDirections.contains(direction) {
                    resynchronizing[direction] = (ByteBuffer(), reassemblers[direction]!.streamOffset)
                }
            }
        }
        if !reportedEncryption && MessageDirection.allCases.contains(where: decoder.isEncrypted) {
            reportedEncryption = true
            try emit(CaptureEvent(connection: info, time: time, kind: .encrypted))
        }
    }
}
