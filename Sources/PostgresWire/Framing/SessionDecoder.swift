import NIOCore

/// Decodes both directions of one connection, incrementally, each direction resolving the other's context.
///
/// The frontend stream tells the backend decoder which one-byte SSL/GSSENC answers to expect; the
/// backend stream tells the frontend decoder whether encryption was accepted and what each `p` message
/// is. Events come in a plausible conversation order: each side's turn ends with a message that waits
/// for the other (a Query or Sync, a ReadyForQuery or authentication request).
///
/// To read captures on demand in constant memory, create it with `waitsForTurn: true`, append a chunk of
/// ``awaitedDirection`` whenever ``nextEvent()`` returns `nil`, and call ``finish(_:)`` at the end of each
/// stream: the events then come in the same order as with whole streams, however the bytes are chunked.
public struct SessionDecoder: Sendable {
    /// One result of decoding.
    public enum Event: Sendable, Hashable {
        /// A complete message.
        case message(DecodedMessage)
        /// A malformed stream; that direction decodes nothing more.
        case failure(MessageDirection, WireDecodingError)
    }

    private var frontendBytes = ByteBuffer()
    private var backendBytes = ByteBuffer()
    private var frontend: FrontendMessageDecoder
    private var backend: BackendMessageDecoder
    private var turn = MessageDirection.frontend
    private var endedDirections: Set<MessageDirection> = []
    private var failedDirections: Set<MessageDirection> = []
    private let waitsForTurn: Bool
    /// Extended-protocol messages (Parse, Bind, Describe, Execute, Close) sent since the last Sync or Flush.
    private var unflushedExtendedMessages = 0
    /// Answers the server owes to the extended-protocol messages a Flush pushed out; its turn ends when they are in.
    private var answersOwedToFlush = 0
    /// The statements and portals, for the types of Bind parameters and DataRow columns.
    private var valueTypes = ValueTypeTracker()

    /// The stream whose next bytes are needed to go on, when ``nextEvent()`` has returned `nil`; `nil` when no
    /// stream that has not ended can help (after ``finish()``, or while the rest of both is encrypted or failed).
    public private(set) var awaitedDirection: MessageDirection?

    /// Creates a decoder for a connection from its start.
    ///
    /// With `waitsForTurn`, ``nextEvent()`` waits for more bytes of the side whose turn it is (see
    /// ``awaitedDirection``) until that stream ends, instead of going on with the other side's messages: for
    /// reading captures chunk by chunk with a result that does not depend on the chunks. Without it (for live
    /// traffic), every message is returned as soon as its bytes are there.
    public init(maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength, waitsForTurn: Bool = false) {
        frontend = FrontendMessageDecoder(maximumMessageLength: maximumMessageLength)
        backend = BackendMessageDecoder(maximumMessageLength: maximumMessageLength)
        self.waitsForTurn = waitsForTurn
    }

    /// Adds bytes received in `direction`.
    public mutating func append(_ bytes: ByteBuffer, from direction: MessageDirection) {
        switch direction {
        case .frontend: Self.append(bytes, to: &frontendBytes)
        case .backend: Self.append(bytes, to: &backendBytes)
        }
    }

    private static func append(_ bytes: ByteBuffer, to buffer: inout ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex > 1 << 16 { buffer.discardReadBytes() }
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// Starts `direction` over in the middle of the session, at a message boundary `streamOffset` bytes into its
    /// stream: for a capture that starts after the connection did, or that lost bytes (a gap). The bytes of
    /// `direction` not yet decoded are dropped, an earlier failure of it is forgotten, and what the peer's answers
    /// would have said (what a `p` message is) is inferred from the bytes.
    public mutating func resume(_ direction: MessageDirection, atStreamOffset streamOffset: Int) {
        failedDirections.remove(direction)
        valueTypes.reset()
        switch direction {
        case .frontend:
            frontendBytes = ByteBuffer()
            frontend = FrontendMessageDecoder(
                phase: .messages, streamOffset: streamOffset, infersPeerContext: true,
                maximumMessageLength: frontend.maximumMessageLength)
        case .backend:
            backendBytes = ByteBuffer()
            backend = BackendMessageDecoder(
                phase: .messages, streamOffset: streamOffset, infersPeerContext: true,
                maximumMessageLength: backend.maximumMessageLength)
        }
    }

    /// Marks the end of both streams: a decoder still waiting for its peer infers the answer,
    /// and bytes left inside an incomplete message become a failure.
    public mutating func finish() {
        endedDirections = Set(MessageDirection.allCases)
    }

    /// Marks the end of one stream: the other's decoder infers what it would have learned from it, and
    /// ``nextEvent()`` stops waiting for its bytes.
    public mutating func finish(_ direction: MessageDirection) {
        endedDirections.insert(direction)
    }

    private var isFinished: Bool { endedDirections.count == MessageDirection.allCases.count }

    /// Unconsumed bytes left in `direction`.
    public func remainingBytes(_ direction: MessageDirection) -> Int {
        direction == .frontend ? frontendBytes.readableBytes : backendBytes.readableBytes
    }

    /// Whether the rest of `direction` is encrypted and therefore not decoded.
    public func isEncrypted(_ direction: MessageDirection) -> Bool {
        direction == .frontend ? frontend.phase == .encrypted : backend.phase == .encrypted
    }

    /// The next message or failure; `nil` when more input is needed, or, after ``finish()``, when done.
    public mutating func nextEvent() -> Event? {
        nextEvent(framesBulkMessages: false) { _, _, _ in }
    }

    /// ``nextEvent()``, with the bulk of a session framed in place instead of decoded: the DataRow and CopyData
    /// messages before the event returned go to `visit`, in order (with the types of a DataRow's columns, when
    /// known), their bytes valid only during the call, and no message value is built, copied or retained for them.
    /// They are checked as decoding checks them: a malformed DataRow is a failure event, after the messages before
    /// it. What comes to `visit` and as events is, in order, what ``nextEvent()`` returns.
    public mutating func nextEvent(
        framingBulkMessages visit: (MessageDirection, RawMessageFrame, [ValueType]?) -> Void
    ) -> Event? {
        nextEvent(framesBulkMessages: true, visit)
    }

    /// ``nextEvent()``, with the bulk of a session counted in place instead of decoded: the DataRow and CopyData
    /// messages before the event returned are checked as ``nextEvent(framingBulkMessages:)`` checks them and go to
    /// `count` as runs of one direction and type (consecutive in the session, at most the bytes at hand: a count and
    /// a byte total each), in order, before the event is returned; no message value is built for them and no
    /// per-message call is made outside.
    public mutating func nextEventCountingBulkMessages(_ count: (MessageStatistics.Entry) -> Void) -> Event? {
        // A tuple, not the entry: the type's name is looked up once per run, not compared once per message. (And no
        // local function: a variable it captures is checked for exclusive access at run time, once per message.)
        var run = (direction: MessageDirection.backend, typeByte: UInt8(0), count: 0, bytes: 0)
        let event = nextEvent(framesBulkMessages: true) { direction, frame, _ in
            if run.typeByte == frame.typeByte && run.direction == direction {
                run.count += 1
                run.bytes += frame.wireLength
            } else {
                if run.count > 0 { count(Self.statisticsEntry(run)) }
                run = (direction, frame.typeByte, 1, frame.wireLength)
            }
        }
        if run.count > 0 { count(Self.statisticsEntry(run)) }
        return event
    }

    /// The statistics entry of a run of messages counted in place.
    private static func statisticsEntry(
        _ run: (direction: MessageDirection, typeByte: UInt8, count: Int, bytes: Int)
    ) -> MessageStatistics.Entry {
        let type = RawMessageFrame.typeName(forTypeByte: run.typeByte, from: run.direction)
        return MessageStatistics.Entry(direction: run.direction, type: type, count: run.count, bytes: run.bytes)
    }

    @inline(__always)
    private mutating func nextEvent(
        framesBulkMessages: Bool, _ visit: (MessageDirection, RawMessageFrame, [ValueType]?) -> Void
    ) -> Event? {
        awaitedDirection = nil
        for _ in 0..<2 {
            if framesBulkMessages, let event = frameBulkMessages(turn, visit) { return event }
            if let event = step(turn) { return event }
            if waitsForTurn && needsBytes(turn) {
                awaitedDirection = turn
                return nil
            }
            turn = turn.other
        }
        let frontendInfers = frontend.isWaitingForPeer && endedDirections.contains(.backend)
        let backendInfers = backend.isWaitingForPeer && endedDirections.contains(.frontend)
        if frontendInfers || backendInfers {
            // The peer's stream ended without the answer: infer it from the bytes, once and for all.
            frontend.infersPeerContext = frontendInfers || frontend.infersPeerContext
            backend.infersPeerContext = backendInfers || backend.infersPeerContext
            for direction in MessageDirection.allCases {
                if framesBulkMessages, let event = frameBulkMessages(direction, visit) { return event }
                if let event = step(direction) { return event }
            }
        }
        guard isFinished else {
            awaitedDirection = [turn, turn.other].first { needsBytes($0) }
            return nil
        }
        for direction in MessageDirection.allCases where !failedDirections.contains(direction) {
            if let event = truncationFailure(direction) { return event }
        }
        return nil
    }

    /// Whether decoding `direction` waits for more of its bytes, rather than for its peer, or for nothing.
    private func needsBytes(_ direction: MessageDirection) -> Bool {
        guard !endedDirections.contains(direction), !failedDirections.contains(direction), !isEncrypted(direction)
        else { return false }
        return direction == .frontend ? !frontend.isWaitingForPeer : !backend.isWaitingForPeer
    }

    private mutating func truncationFailure(_ direction: MessageDirection) -> Event? {
        let remaining = remainingBytes(direction)
        guard remaining > 0, !isEncrypted(direction) else { return nil }
        failedDirections.insert(direction)
        let buffer = direction == .frontend ? frontendBytes : backendBytes
        let offset = direction == .frontend ? frontend.streamOffset : backend.streamOffset
        if direction == .backend && backend.expectsLegacyErrors && buffer.readableBytesView.first == UInt8(ascii: "E") {
            // A pre-3.0 error has no length word: it is cut off before its terminating zero byte.
            let reason = WireFormatError.missingTerminator(field: "legacy error text")
            return .failure(direction, WireDecodingError(offset: offset, messageType: "ErrorResponse", reason: reason))
        }
        let isStartup = direction == .frontend && frontend.phase == .startup
        let lengthOffset = isStartup ? 0 : 1
        let needed = buffer.getInteger(at: buffer.readerIndex + lengthOffset, as: Int32.self).map {
            Int($0) + lengthOffset
        }
        let reason = WireFormatError.incompleteMessage(needed: needed ?? lengthOffset + 4, available: remaining)
        return .failure(direction, WireDecodingError(offset: offset, messageType: nil, reason: reason))
    }

    /// Frames the DataRow and CopyData messages at the start of `direction`'s bytes in place, handing them to
    /// `visit`; returns the failure of a malformed one.
    private mutating func frameBulkMessages(
        _ direction: MessageDirection, _ visit: (MessageDirection, RawMessageFrame, [ValueType]?) -> Void
    ) -> Event? {
        guard !failedDirections.contains(direction) else { return nil }
        do {
            switch direction {
            case .frontend:
                // Peeked with getInteger: a view of the bytes would retain and release their storage, twice a packet.
                guard frontendBytes.getInteger(at: frontendBytes.readerIndex, as: UInt8.self) == UInt8(ascii: "d")
                else { return nil }
                try frontend.frameMessages(
                    in: &frontendBytes, while: { $0 == UInt8(ascii: "d") }, { frame in visit(.frontend, frame, nil) })
            case .backend:
                let first = backendBytes.getInteger(at: backendBytes.readerIndex, as: UInt8.self)
                guard first == UInt8(ascii: "D") || first == UInt8(ascii: "d") else { return nil }
                // A DataRow changes no type: the rows of a run have the columns known before it (taken once, rather
                // than the whole tracker copied for the closure).
                let columns = valueTypes.dataRowColumns
                try backend.frameMessages(
                    in: &backendBytes, while: { $0 == UInt8(ascii: "D") || $0 == UInt8(ascii: "d") },
                    { frame throws(WireFormatError) in
                        guard frame.typeByte == UInt8(ascii: "D") else { return visit(.backend, frame, nil) }
                        try DataRow.forEachColumn(inBody: frame.body) { _, _ in }
                        let columnCount = Int(UInt16(bigEndian: frame.body.loadUnaligned(as: UInt16.self)))
                        visit(.backend, frame, columns?.count == columnCount ? columns : nil)
                    })
            }
        } catch {
            failedDirections.insert(direction)
            return .failure(direction, error)
        }
        return nil
    }

    private mutating func step(_ direction: MessageDirection) -> Event? {
        guard !failedDirections.contains(direction) else { return nil }
        do {
            switch direction {
            // The message's bytes are sliced by index, and the message moved into the event: a copy of the buffer or
            // of the message would retain and release its storage once more per message.
            case .frontend:
                let start = frontendBytes.readerIndex
                let offset = frontend.streamOffset
                guard let message = try frontend.decode(from: &frontendBytes) else { return nil }
                backend.observe(message)
                takeTurn(after: message)
                let types = valueTypes.observe(message)
                let bytes = frontendBytes.slice(from: start)
                return .message(
                    DecodedMessage(message: .frontend(consume message), offset: offset, bytes: bytes, valueTypes: types)
                )
            case .backend:
                let start = backendBytes.readerIndex
                let offset = backend.streamOffset
                // Unwrapped where decoded: an optional kept in a variable is copied out of, then destroyed.
                guard
                    let message = endedDirections.contains(.backend)
                        ? try backend.decodeLast(from: &backendBytes) : try backend.decode(from: &backendBytes)
                else { return nil }
                frontend.observe(message)
                takeTurn(after: message)
                let types = valueTypes.observe(message)
                let bytes = backendBytes.slice(from: start)
                return .message(
                    DecodedMessage(message: .backend(consume message), offset: offset, bytes: bytes, valueTypes: types))
            }
        } catch {
            failedDirections.insert(direction)
            return .failure(direction, error)
        }
    }
}

extension SessionDecoder {
    /// Passes the turn to the server after a client message it answers. A Flush is answered only when
    /// extended-protocol messages are waiting for it (a Flush with nothing to push out causes no reply, and the
    /// server's next messages answer what the client sends next).
    private mutating func takeTurn(after message: FrontendMessage) {
        switch message {
        case .parse, .bind, .describe, .execute, .close:
            unflushedExtendedMessages += 1
        case .flush:
            guard unflushedExtendedMessages > 0 else { return }
            answersOwedToFlush = unflushedExtendedMessages
            unflushedExtendedMessages = 0
            turn = .backend
        default:
            if message.endsTurn {
                unflushedExtendedMessages = 0
                turn = .backend
            }
        }
    }

    /// Passes the turn back to the client after a server message that waits for it, or that completes the answers
    /// to a Flush (one per extended-protocol message; an error skips the rest).
    private mutating func takeTurn(after message: BackendMessage) {
        if message.endsTurn {
            answersOwedToFlush = 0
            turn = .frontend
            return
        }
        guard answersOwedToFlush > 0 else { return }
        switch message {
        case .parseComplete, .bindComplete, .closeComplete, .noData, .rowDescription, .commandComplete,
            .emptyQueryResponse, .portalSuspended:
            answersOwedToFlush -= 1
        case .errorResponse:
            answersOwedToFlush = 0
        default:
            return
        }
        if answersOwedToFlush == 0 { turn = .frontend }
    }
}

extension MessageDirection {
    var other: MessageDirection { self == .frontend ? .backend : .frontend }
}

extension FrontendMessage {
    /// Whether the client now waits for the server.
    var endsTurn: Bool {
        switch self {
        case .sslRequest, .gssENCRequest, .startup, .cancelRequest, .password, .saslInitialResponse, .saslResponse,
            .gssResponse, .query, .sync, .flush, .functionCall, .copyDone, .copyFail, .terminate:
            true
        case .bind, .close, .copyData, .describe, .execute, .parse:
            false
        }
    }
}

extension BackendMessage {
    /// Whether the server now waits for the client.
    var endsTurn: Bool {
        switch self {
        case .sslResponse, .gssENCResponse, .readyForQuery, .copyInResponse, .copyBothResponse:
            true
        case .authentication(let request):
            // Ok and SASLFinal are followed by more server messages; every other request waits for the client.
            PasswordMessageKind(answering: request) != nil
        default:
            false
        }
    }
}

extension ByteBuffer {
    /// The bytes this buffer has read since its reader index was at `start` (read again, as `getSlice` reaches
    /// readable bytes only).
    mutating func slice(from start: Int) -> ByteBuffer {
        let end = readerIndex
        moveReaderIndex(to: start)
        return readSlice(length: end - start)!
    }
}
