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

    /// Takes a segment sent in `direction` at `time`, and hands what it makes known to `emit`, in order (with
    /// `frame`, its DataRow and CopyData messages go there instead, framed in place, in their place in the order).
    func accept(
        _ segment: TCPSegment, from direction: MessageDirection, at time: CaptureTimestamp,
        frame: ((CaptureFrame) -> Void)?, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        let peer: MessageDirection = direction == .frontend ? .backend : .frontend
        if segment.isAcknowledgement {
            // The peer's bytes this acknowledges come first: they caused this segment, if anything.
            let acknowledged = reassemblers[peer]!.acknowledged(upTo: segment.acknowledgementNumber)
            try feed(acknowledged, from: peer, at: time, frame: frame, emit: emit)
        }
        try feed(reassemblers[direction]!.accept(segment), from: direction, at: time, frame: frame, emit: emit)
        if segment.isReset {
            try close(.reset, at: time, frame: frame, emit: emit)
        } else if segment.isFinish {
            try finish(direction, at: time, frame: frame, emit: emit)
            if finishedDirections.count == 2 { try close(.finished, at: time, frame: frame, emit: emit) }
        }
    }

    /// Ends the connection (the capture is over, or a side reset it) and hands the last events to `emit` (and
    /// `frame`, as ``accept(_:from:at:frame:emit:)`` does).
    func close(
        _ reason: CaptureConnectionClose.Reason, at time: CaptureTimestamp, frame: ((CaptureFrame) -> Void)?,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        guard !isClosed else { return }
        for direction in MessageDirection.allCases { try finish(direction, at: time, frame: frame, emit: emit) }
        for direction in MessageDirection.allCases where decoder.isEncrypted(direction) {
            encryptedBytes += decoder.remainingBytes(direction)
        }
        isClosed = true
        let record = CaptureConnectionClose(reason: reason, encryptedBytes: encryptedBytes)
        try emit(CaptureEvent(connection: info, time: time, kind: .closed(record)))
    }

    private func finish(
        _ direction: MessageDirection, at time: CaptureTimestamp, frame: ((CaptureFrame) -> Void)?,
        emit: (CaptureEvent) throws -> Void
    ) rethrows {
        guard !finishedDirections.contains(direction) else { return }
        try feed(reassemblers[direction]!.finish(), from: direction, at: time, frame: frame, emit: emit)
        finishedDirections.insert(direction)
        decoder.finish(direction)
        try drain(at: time, frame: frame, emit: emit)
    }

    private func feed(
        _ deliveries: [StreamDelivery], from direction: MessageDirection, at time: CaptureTimestamp,
        frame: ((CaptureFrame) -> Void)?, emit: (CaptureEvent) throws -> Void
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
                try drain(at: time, frame: frame, emit: emit)
            }
        }
    }

    private func drain(
        at time: CaptureTimestamp, frame: ((CaptureFrame) -> Void)?, emit: (CaptureEvent) throws -> Void
    ) rethrows {
        while let event = nextEvent(at: time, frame: frame) {
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
        // Called directly: `decoder.isEncrypted` as a function value would copy the decoder, once per packet.
        if !reportedEncryption && (decoder.isEncrypted(.frontend) || decoder.isEncrypted(.backend)) {
            reportedEncryption = true
            try emit(CaptureEvent(connection: info, time: time, kind: .encrypted))
        }
    }

    /// The decoder's next event; with `frame`, the DataRow and CopyData messages before it go there, framed in place.
    private func nextEvent(at time: CaptureTimestamp, frame: ((CaptureFrame) -> Void)?) -> SessionDecoder.Event? {
        guard let frame else { return decoder.nextEvent() }
        let info = info
        return decoder.nextEvent { direction, message, types in
            frame(CaptureFrame(connection: info, time: time, direction: direction, frame: message, valueTypes: types))
        }
    }
}
