import NIOCore
import PostgresWire

/// Decodes both byte streams of one relayed connection as they pass and writes each message to the traffic log.
///
/// The tap only observes: it gets a view of the bytes the relay forwards, never changes or holds them back. A
/// message the decoder cannot read is logged as `Unknown` with its bytes (the relay forwards it all the same); when
/// the framing itself is lost, decoding stops for that direction and the rest is only counted. Runs on the
/// connection's event loop once the relay starts (before, one task sets it up, hence `@unchecked Sendable`).
final class ConnectionTap: @unchecked Sendable {
    /// The longest message decoded for the log (1 MiB). A longer one (a huge CopyData, Query or DataRow) is logged
    /// by its type, length and first bytes and relayed without being held, so the tap's memory stays bounded
    /// whatever the messages' size (PostgreSQL allows up to 1 GiB); when recording, a Query or Parse up to
    /// ``largestRecordedStatementMessage`` is decoded.
    static let largestDecodedMessage = 1 << 20
    /// The longest Query or Parse decoded when recording (`--record`, 16 MiB): a statement's text is recorded whole,
    /// so the tap holds up to this much of one while it arrives.
    static let largestRecordedStatementMessage = 16 << 20
    /// The connection's number in the log (counting from 1).
    let number: Int
    /// What the proxy relays to and logs.
    let configuration: ProxyConfiguration
    private let sink: TrafficLogSink
    private let capture: TrafficLogSink?
    private var captureStream: SyntheticTCPStream?
    /// The pcapng blocks of the packets being written, kept between reads.
    private var captureBlocks: [UInt8] = []
    /// When the connection was accepted.
    private let opened: NIODeadline
    private var frontendDecoder = FrontendMessageDecoder()
    private var backendDecoder = BackendMessageDecoder()
    private var frontend = DirectionStream()
    private var backend = DirectionStream()
    /// When each statement whose ReadyForQuery is awaited started, for the latency text and JSON lines show on it;
    /// `nil` when the log does not follow the session (``followsSession``).
    private var statements: StatementTracker<NIODeadline>?
    /// The session's statements and portals, for the types of Bind parameters and DataRow columns that text and
    /// JSON lines show as `pgw decode` does; `nil` when the log does not follow the session (``followsSession``).
    /// Bounded by ``ValueTypeTracker/limit``.
    private var valueTypes: ValueTypeTracker?
    private var timestamps = TimestampText()
    /// Lines of the current batch: handed to the sink in one piece, so event loops take its lock once per read.
    private var batch: [UInt8] = []
    /// The start of the text and hex lines of the current read (its time and connection), made for the first
    /// message logged and shared by the others the same read completes.
    private var textLineStart: String?
    /// The `connection` and `time` members of the current read's JSON lines, rendered for the first message logged
    /// and shared by the others the same read completes; empty until then. It keeps its storage between reads.
    private var jsonMembers: [UInt8] = []
    /// The fields of the JSON lines last written in place, by type and direction, for the bodies a session repeats.
    private var jsonCache = RawMessageJSONCache()
    /// `,"connection":N,"time":`, the start of the members of every JSON message line.
    private lazy var jsonConnectionMember = Array(",\"connection\":\(number),\"time\":".utf8)
    private var errorCount = 0
    /// Whether the summary line is written: the connection is over.
    private(set) var isClosed = false
    /// Whether the client leg is TLS; when not, a cleartext password request is logged as a warning.
    var clientLegIsTLS = false
    /// Whether the proxy itself asks the client for its password (the authenticating mode), which the
    /// cleartext-password warning names instead of the server.
    var proxyAsksForPassword = false
    /// Whether the client sent Terminate: a close after it is the normal end of a session.
    private(set) var clientTerminated = false
    /// Whether the server's last message was an ErrorResponse (a FATAL before it closes, for instance).
    private(set) var serverSentErrorLast = false
    /// Called with each BackendKeyData the server's stream carries (to route the client's CancelRequests).
    var onBackendKeyData: ((BackendKeyData) -> Void)?
    /// Pairs statements with their answers for `--record`, when recording.
    var recorder: SessionRecorder?
    /// The last BackendKeyData the server's stream carried.
    private(set) var backendKey: BackendKeyData?

    /// A tap for connection `number`, accepted at `opened`, logging to `sink` and, when given, writing packets to
    /// `capture` (a pcapng file whose header is written).
    init(
        number: Int, configuration: ProxyConfiguration, sink: TrafficLogSink, capture: TrafficLogSink? = nil,
        opened: NIODeadline = .now()
    ) {
        self.number = number
        self.opened = opened
        self.configuration = configuration
        self.sink = sink
        self.capture = capture
        if followsSession {
            statements = StatementTracker()
            valueTypes = ValueTypeTracker()
        }
    }

    /// A sink that is over capacity, which the relay must wait for before reading more, or `nil`.
    var laggingSink: TrafficLogSink? {
        if sink.isBehind { return sink }
        if let capture, capture.isBehind { return capture }
        return nil
    }

    /// Starts this connection's TCP stream in the capture, between the client's and the upstream's addresses.
    func startCapture(client: SocketAddress?, server: SocketAddress?) {
        guard capture != nil, let client = SyntheticTCPStream.Endpoint(client),
            let server = SyntheticTCPStream.Endpoint(server)
        else { return }
        captureStream = SyntheticTCPStream(client: client, server: server)
        writePackets { stream, microseconds, blocks in stream.appendHandshake(microseconds: microseconds, to: &blocks) }
    }

    /// Writes the packets that `append` adds to the capture's TCP stream (given the time in microseconds and the
    /// blocks to append to) to the capture in one piece.
    private func writePackets(_ append: (inout SyntheticTCPStream, UInt64, inout [UInt8]) -> Void) {
        guard let capture, captureStream != nil else { return }
        let time = LogTimestamp.now()
        append(&captureStream!, UInt64(time.seconds) * 1_000_000 + UInt64(time.microseconds), &captureBlocks)
        capture.write(bytes: captureBlocks)
        captureBlocks.removeAll(keepingCapacity: captureBlocks.capacity <= 1 << 18)
    }

    /// Whether the server's stream ends on a message boundary, so a message may be added to it.
    var backendIsAtMessageBoundary: Bool { backend.isAtMessageBoundary }

    /// Logs a connection event as a text line (`TIME #N -- opened …`, marked as `pgw decode` marks its notes about
    /// connections; one line, see ``OneLineText``) or a JSON object with `event` instead of `type`.
    func logEvent(_ event: String, text: String, fields: [(String, RenderedValue)]) {
        let time = LogTimestamp.now()
        let text = OneLineText.escaped(text)
        if configuration.format == .json {
            let header: [(String, RenderedValue)] = [
                ("schema", .integer(Int64(RenderFormat.jsonSchemaVersion))), ("connection", .integer(Int64(number))),
                ("time", .string(timestamps.rfc3339(time))), ("event", .string(event)),
            ]
            emit(RenderedValue.object(header + fields).jsonText)
        } else if configuration.colors {
            emit(
                TrafficLogColors.event(
                    text, prefix: "\(timestamps.clock(time)) #\(number) -- ", isWarning: event == "warning"))
        } else {
            emit("\(timestamps.clock(time)) #\(number) -- \(text)")
        }
        flush()
    }

    private func emit(_ line: String) {
        batch.append(contentsOf: line.utf8)
        batch.append(UInt8(ascii: "\n"))
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        sink.write(bytes: batch)
        batch.removeAll(keepingCapacity: true)
    }

    /// Takes bytes relayed from `direction` and logs every message they complete.
    func see(_ bytes: ByteBuffer, from direction: MessageDirection) {
        writePackets { stream, microseconds, blocks in
            stream.appendSegments(
                fromClient: direction == .frontend, payload: bytes.readableBytesView, microseconds: microseconds,
                to: &blocks)
        }
        switch direction {
        case .frontend: frontend.append(bytes)
        case .backend: backend.append(bytes)
        }
        textLineStart = nil
        jsonMembers.removeAll(keepingCapacity: true)
        // The usual read: whole messages that pass in place, the other direction holding nothing back; then the
        // drain loop runs only if bytes are left.
        switch direction {
        case .frontend:
            if backend.pending.readableBytes == 0, frontendDecoder.phase == .messages, !frontend.isStopped {
                _ = passInPlace(&frontend, .frontend)
            }
        case .backend:
            if frontend.pending.readableBytes == 0, backendDecoder.framesInPlace, !backend.isStopped {
                _ = passInPlace(&backend, .backend)
            }
        }
        if frontend.pending.readableBytes > 0 || backend.pending.readableBytes > 0 {
            // A `p` message waits for the server's request that says what it is, so go round until neither moves.
            while drainFrontend() || drainBackend() {}
        }
        flush()
        frontend.compact()
        backend.compact()
    }

    /// Logs the FATAL that refused the connection before a session, which the client was sent (by the proxy, or
    /// by the gateway that read the client's StartupMessage before the tap saw anything), as the server's
    /// ErrorResponse: a line like any other message's, counted in the summary's errors.
    func seeRefusal(_ diagnostic: DiagnosticMessage) {
        // The StartupMessage it answers was read by the gateway, not by the tap: the server's stream is past it.
        if backendDecoder.phase == .startup {
            backendDecoder = BackendMessageDecoder(phase: .messages, streamOffset: backend.offset)
        }
        var reply = ByteBuffer()
        BackendMessage.errorResponse(diagnostic).encode(into: &reply)
        see(reply, from: .backend)
    }

    /// Logs the summary line, once: messages, bytes, duration, errors and `reason`.
    func close(reason: String, closedByClient: Bool = true) {
        guard !isClosed else { return }
        isClosed = true
        recorder?.finishSession()
        writePackets { stream, microseconds, blocks in
            stream.appendClose(closedByClient: closedByClient, microseconds: microseconds, to: &blocks)
        }
        let seconds = Double((NIODeadline.now() - opened).nanoseconds) / 1e9
        let duration = (seconds * 1000).rounded() / 1000
        logEvent(
            "closed",
            text: "closed after \(duration) s: \(reason); F \(Self.counted(frontend.messageCount, "message")) "
                + "\(Self.counted(frontend.byteCount, "byte")), B \(Self.counted(backend.messageCount, "message")) "
                + "\(Self.counted(backend.byteCount, "byte")), \(Self.counted(errorCount, "error"))",
            fields: [
                ("reason", .string(reason)), ("durationSeconds", .number(String(duration))),
                ("frontendMessages", .integer(Int64(frontend.messageCount))),
                ("frontendBytes", .integer(Int64(frontend.byteCount))),
                ("backendMessages", .integer(Int64(backend.messageCount))),
                ("backendBytes", .integer(Int64(backend.byteCount))), ("errors", .integer(Int64(errorCount))),
            ])
    }

    /// `count` and `noun`, plural unless `count` is 1: "1 error", "0 errors".
    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    /// Whether typed messages are only framed and counted, not decoded: nothing logs or records them
    /// (`--format none`, no `--record`). What the relay itself needs still comes from the headers (Terminate,
    /// ErrorResponse) or from decoding the few messages that carry it (Authentication, BackendKeyData, the client's
    /// `p` answers); the decoders, which see only those, keep their phase, though not their stream offsets, which
    /// only their errors would show.
    private var onlyCounts: Bool { configuration.format == .none && recorder == nil }

    /// Whether the log follows the session for what its lines show beyond each message: text and JSON lines show a
    /// statement's latency on its ReadyForQuery and values typed as `pgw decode` types them.
    private var followsSession: Bool { configuration.format == .text || configuration.format == .json }

    /// Takes a typed message the client sent, by its type byte, for latencies: a statement it starts starts now.
    private func clientSent(_ typeByte: UInt8) {
        statements?.clientSent(typeByte) { .now() }
    }

    /// Takes a ReadyForQuery from the server; returns the latency of the statement it ends, if followed.
    private func serverSentReadyForQuery() -> StatementLatency? {
        guard let start = statements?.serverSentReadyForQuery() ?? nil else { return nil }
        return StatementLatency(nanoseconds: (NIODeadline.now() - start).nanoseconds)
    }

    /// Steps over the whole typed messages at the start of `stream` that need no decoding, and returns whether it
    /// passed any: with ``onlyCounts`` they are only counted; when the log is JSON, nothing records or filters and
    /// ``RawMessageJSON`` writes the message (a common type, plain text, a sound body), each is logged straight from
    /// its bytes, with no decoded message, strings or arrays made for it. The decoder's stream offset stays behind
    /// (only its errors would show it). It stops at a message the decoder must see (Authentication, BackendKeyData,
    /// the client's `p` answers), an oversized one, an incomplete one or one that ``RawMessageJSON`` does not write,
    /// which the caller then handles the general way (writing the same line). The statements are followed for the
    /// latency a ReadyForQuery's line shows, and their value types: a message that tells ``ValueTypeTracker`` more
    /// than its type (Parse, Bind, RowDescription, …) is decoded for it, and a DataRow whose columns are known to
    /// hold binary values is written typed, still from its bytes. The run works on local copies of the
    /// tap's state, which it reads and writes back once, not once per message (each access to a class's property
    /// is checked for exclusivity).
    private func passInPlace(_ stream: inout DirectionStream, _ direction: MessageDirection) -> Bool {
        let counts = onlyCounts
        guard
            counts
                || (configuration.format == .json && recorder == nil && configuration.filter.only.isEmpty
                    && configuration.filter.skip.isEmpty)
        else { return false }
        var batch: [UInt8] = []
        var cache = RawMessageJSONCache()
        var types: ValueTypeTracker?
        var starts: StatementTracker<NIODeadline>?
        var members: JSONLineMembers?
        // When the messages of this run arrived, for the statements they start (read only when logging).
        var now = NIODeadline.uptimeNanoseconds(0)
        if !counts {
            swap(&batch, &self.batch)
            swap(&cache, &jsonCache)
            swap(&types, &valueTypes)
            swap(&starts, &statements)
            now = .now()
        }
        defer {
            if !counts {
                swap(&batch, &self.batch)
                swap(&cache, &jsonCache)
                swap(&types, &valueTypes)
                swap(&starts, &statements)
            }
        }
        // The types of the DataRows that come now when some column is binary (`.some(nil)`: none is), looked up
        // once for a run of rows.
        var rowTypes: [ValueType]?? = nil
        let decoded: (UInt8, UInt8) =
            direction == .frontend ? (UInt8(ascii: "p"), UInt8(ascii: "p")) : (UInt8(ascii: "R"), UInt8(ascii: "K"))
        var passed = 0
        var lastTypeByte: UInt8 = 0
        var errors = 0
        var terminated = false
        while let header = stream.completeTypedHeader, header.wireLength <= Self.largestDecodedMessage,
            header.typeByte != decoded.0, header.typeByte != decoded.1
        {
            if !counts {
                let onlyType = ValueTypeTracker.readsOnlyType(header.typeByte, from: direction)
                // A message that tells the value types more than its type (Parse, Bind, RowDescription, …) is read
                // for them from its bytes (its query text, values and names are not needed), or decoded when that
                // fails or it is a Bind with binary parameters. Its line is still written from its bytes, unless
                // RawMessageJSON does not write it or it is such a Bind, whose values the decoded message shows typed.
                var message: WireMessage?
                var parameterTypes: [ValueType]?
                let body =
                    onlyType
                    ? nil : stream.pending.getSlice(at: stream.pending.readerIndex + 5, length: header.wireLength - 5)
                if let body, types?.observe(typeByte: header.typeByte, body: body, from: direction) != true {
                    // A body that does not decode is left to the general way, which logs it as Unknown.
                    guard let decodedMessage = try? WireMessage(typeByte: header.typeByte, body: body, from: direction)
                    else { break }
                    message = decodedMessage
                    switch decodedMessage {
                    case .frontend(let frontendMessage): parameterTypes = types?.observe(frontendMessage) ?? nil
                    case .backend(let backendMessage): _ = types?.observe(backendMessage)
                    }
                }
                let isRow = direction == .backend && header.typeByte == UInt8(ascii: "D")
                if isRow && rowTypes == nil {
                    let columns = types?.dataRowColumns ?? nil
                    rowTypes = .some(columns?.contains { $0.format == .binary } == true ? columns : nil)
                }
                var lineMembers = members ?? currentJSONMembers()
                members = lineMembers
                let answers = direction == .backend && header.typeByte == UInt8(ascii: "Z")
                if answers, let start = starts?.nextAnswered ?? nil {
                    lineMembers = lineMembers.appending([
                        StatementLatency(nanoseconds: (now - start).nanoseconds).jsonMember
                    ])
                }
                let offset = stream.offset
                let written =
                    parameterTypes == nil
                    && stream.pending.withUnsafeReadableBytes { raw in
                        RawMessageJSON.appendLine(
                            typeByte: header.typeByte,
                            body: UnsafeRawBufferPointer(rebasing: raw[5..<header.wireLength]), direction: direction,
                            offset: offset, jsonMembers: lineMembers, rowTypes: isRow ? rowTypes ?? nil : nil,
                            cache: &cache, to: &batch)
                    }
                if !written {
                    // A message the tracker has taken is written from its decoded form; the rest goes the general way.
                    guard
                        let message = message
                            ?? body.flatMap({ try? WireMessage(typeByte: header.typeByte, body: $0, from: direction) })
                    else {
                        // Taken in place but not decodable: the general way takes it again, so the tracker forgets.
                        if body != nil { types?.reset() }
                        break
                    }
                    let bytes = stream.pending.getSlice(at: stream.pending.readerIndex, length: header.wireLength)!
                    DecodedMessage(message: message, offset: offset, bytes: bytes, valueTypes: parameterTypes).write(
                        as: .json, options: configuration.renderOptions, jsonMembers: lineMembers, to: &batch)
                }
                batch.append(UInt8(ascii: "\n"))
                if !isRow {
                    if onlyType { types?.observe(typeByte: header.typeByte, from: direction) }
                    rowTypes = nil
                }
                if direction == .frontend { starts?.clientSent(header.typeByte) { now } }
                if answers { _ = starts?.serverSentReadyForQuery() }
            }
            lastTypeByte = header.typeByte
            if header.typeByte == UInt8(ascii: "E") { errors += 1 }
            if header.typeByte == UInt8(ascii: "X") { terminated = true }
            stream.pass(wireLength: header.wireLength)
            passed += 1
        }
        guard passed > 0 else { return false }
        switch direction {
        case .frontend:
            if terminated { clientTerminated = true }
        case .backend:
            serverSentErrorLast = lastTypeByte == UInt8(ascii: "E")
            errorCount += errors
        }
        return true
    }

    private func drainFrontend() -> Bool {
        var progressed = false
        while !frontend.isStopped {
            if frontendDecoder.phase == .messages, let header = frontend.typedHeader,
                header.wireLength > decodingLimit(forClientMessage: header.typeByte),
                header.typeByte != UInt8(ascii: "p")
            {
                if let reason = WireLimits.lostFraming(
                    typeByte: header.typeByte, lengthWord: header.wireLength - 1, from: .frontend)
                {
                    stopAtLostFraming(&frontend, .frontend, reason: "lost framing: \(reason)", typed: true)
                    break
                }
                let name = FrontendMessage.typeName(forTypeByte: header.typeByte, passwordKind: nil) ?? "Unknown"
                clientSent(header.typeByte)
                recorder?.observeUndecoded(typeByte: header.typeByte, fromClient: true)
                valueTypesSkip(header.typeByte, .frontend)
                skipOversized(&frontend, .frontend, typeName: name, wireLength: header.wireLength)
                frontendDecoder = FrontendMessageDecoder(phase: .messages, streamOffset: frontend.offset)
                progressed = true
                continue
            }
            if frontendDecoder.phase == .messages, passInPlace(&frontend, .frontend) {
                progressed = true
                continue
            }
            // Nothing to decode (the usual case once the other direction's read is done).
            if frontend.pending.readableBytes == 0 && frontendDecoder.phase == .messages { break }
            let before = frontend.pending
            do {
                guard let message = try frontendDecoder.decode(from: &frontend.pending) else { break }
                backendDecoder.observe(message)
                record(
                    .frontend(message),
                    bytes: before.getSlice(
                        at: before.readerIndex, length: frontend.pending.readerIndex - before.readerIndex)!,
                    in: &frontend)
            } catch {
                guard skipUndecodable(&frontend, .frontend, error, typed: frontendDecoder.phase == .messages) else {
                    break
                }
            }
            progressed = true
        }
        return progressed
    }

    private func drainBackend() -> Bool {
        var progressed = false
        while !backend.isStopped {
            if backendDecoder.phase == .messages, let header = backend.typedHeader,
                header.wireLength > Self.largestDecodedMessage, header.typeByte != UInt8(ascii: "R")
            {
                if let reason = WireLimits.lostFraming(
                    typeByte: header.typeByte, lengthWord: header.wireLength - 1, from: .backend)
                {
                    stopAtLostFraming(&backend, .backend, reason: "lost framing: \(reason)", typed: true)
                    break
                }
                let name = BackendMessage.typeName(forTypeByte: header.typeByte) ?? "Unknown"
                recorder?.observeUndecoded(typeByte: header.typeByte, fromClient: false)
                valueTypesSkip(header.typeByte, .backend)
                skipOversized(&backend, .backend, typeName: name, wireLength: header.wireLength)
                backendDecoder = BackendMessageDecoder(phase: .messages, streamOffset: backend.offset)
                progressed = true
                continue
            }
            if backendDecoder.framesInPlace, passInPlace(&backend, .backend) {
                progressed = true
                continue
            }
            if backend.pending.readableBytes == 0 && backendDecoder.framesInPlace { break }
            let before = backend.pending
            do {
                guard let message = try backendDecoder.decode(from: &backend.pending) else { break }
                frontendDecoder.observe(message)
                record(
                    .backend(message),
                    bytes: before.getSlice(
                        at: before.readerIndex, length: backend.pending.readerIndex - before.readerIndex)!, in: &backend
                )
            } catch {
                guard skipUndecodable(&backend, .backend, error, typed: backendDecoder.phase == .messages) else {
                    break
                }
            }
            progressed = true
        }
        return progressed
    }

    /// The longest message of type `typeByte` from the client that is decoded: ``largestDecodedMessage``, or
    /// ``largestRecordedStatementMessage`` for a Query or Parse when recording.
    private func decodingLimit(forClientMessage typeByte: UInt8) -> Int {
        recorder != nil && (typeByte == UInt8(ascii: "Q") || typeByte == UInt8(ascii: "P"))
            ? Self.largestRecordedStatementMessage : Self.largestDecodedMessage
    }

    /// Logs an oversized message by its type, length and first bytes, consumes what of it has arrived and lets
    /// the rest pass unkept (``DirectionStream/bytesToSkip``).
    private func skipOversized(
        _ stream: inout DirectionStream, _ direction: MessageDirection, typeName: String, wireLength: Int
    ) {
        let shown = stream.pending.getSlice(
            at: stream.pending.readerIndex, length: min(stream.pending.readableBytes, 64))!
        let arrived = min(stream.pending.readableBytes, wireLength)
        stream.pending.moveReaderIndex(forwardBy: arrived)
        stream.bytesToSkip = wireLength - arrived
        logUnknown(
            shown, direction, offset: stream.offset, length: wireLength, lengthWord: wireLength - 1,
            reason:
                "\(typeName) of \(wireLength) bytes: over the \(Self.largestDecodedMessage >> 20) MiB the log decodes; "
                + "relayed unchanged, its first bytes shown",
            isError: false)
        stream.offset += wireLength
        stream.messageCount += 1
    }

    /// Logs a message the decoder rejected and steps over it when its length word is sound; otherwise logs the
    /// rest and stops decoding that direction. Returns whether decoding can go on.
    private func skipUndecodable(
        _ stream: inout DirectionStream, _ direction: MessageDirection, _ error: WireDecodingError, typed: Bool
    ) -> Bool {
        let readable = stream.pending.readableBytes
        if typed, let length = stream.pending.getInteger(at: stream.pending.readerIndex + 1, as: Int32.self),
            length >= 4, Int(length) < WireLimits.defaultMaximumMessageLength
        {
            guard readable >= Int(length) + 1 else { return false }
            let bytes = stream.pending.readSlice(length: Int(length) + 1)!
            // The server answers a statement the log could not decode all the same.
            if let typeByte = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) {
                valueTypesSkip(typeByte, direction)
                switch direction {
                case .frontend: clientSent(typeByte)
                case .backend where typeByte == UInt8(ascii: "Z"): _ = serverSentReadyForQuery()
                case .backend: break
                }
            }
            logUnknown(
                bytes, direction, offset: stream.offset, lengthWord: Int(length), reason: error.reason.description)
            stream.offset += bytes.readableBytes
            stream.messageCount += 1
            return true
        }
        stopAtLostFraming(&stream, direction, reason: "\(error.reason)", typed: typed)
        return false
    }

    /// Logs the rest of `stream` as Unknown (its length word as it reads, `typed` after a type byte), with `reason`
    /// why its framing is lost, and stops decoding that direction; the relay goes on.
    private func stopAtLostFraming(
        _ stream: inout DirectionStream, _ direction: MessageDirection, reason: String, typed: Bool
    ) {
        let bytes = stream.pending.readSlice(length: stream.pending.readableBytes)!
        let lengthWord = bytes.getInteger(at: bytes.readerIndex + (typed ? 1 : 0), as: Int32.self).map(Int.init)
        logUnknown(
            bytes, direction, offset: stream.offset, lengthWord: lengthWord, reason: "\(reason); decoding stops here")
        stream.offset += bytes.readableBytes
        stream.isStopped = true
        valueTypes?.reset()
    }

    /// Takes a typed message the log steps over undecoded (oversized or undecodable) for the value types: one that
    /// tells more than its type is lost, so what they know is forgotten (its values are then shown raw).
    private func valueTypesSkip(_ typeByte: UInt8, _ direction: MessageDirection) {
        if ValueTypeTracker.readsOnlyType(typeByte, from: direction) {
            valueTypes?.observe(typeByte: typeByte, from: direction)
        } else {
            valueTypes?.reset()
        }
    }

    private func record(_ message: WireMessage, bytes: ByteBuffer, in stream: inout DirectionStream) {
        let offset = stream.offset
        stream.offset += bytes.readableBytes
        stream.messageCount += 1
        var latency: StatementLatency?
        var types: [ValueType]?
        switch message {
        case .frontend(let frontendMessage): types = valueTypes?.observe(frontendMessage) ?? nil
        case .backend(let backendMessage): types = valueTypes?.observe(backendMessage) ?? nil
        }
        if recorder != nil {
            switch message {
            case .frontend(let frontendMessage): recorder!.observe(frontendMessage)
            case .backend(let backendMessage): recorder!.observe(backendMessage)
            }
        }
        switch message {
        case .frontend(.terminate): clientTerminated = true
        case .frontend(.startup): statements?.clientSentStartup()
        case .frontend(let frontendMessage) where frontendMessage.typeByte != nil:
            clientSent(frontendMessage.typeByte!)
        case .backend(.authentication(.cleartextPassword)) where !clientLegIsTLS:
            let asker = proxyAsksForPassword ? "pgw proxy" : "the server"
            logEvent(
                "warning", text: "warning: \(asker) asks for a cleartext password over a plaintext client leg",
                fields: [("warning", .string("cleartext password over a plaintext client leg"))])
        case .backend(.backendKeyData(let key)):
            backendKey = key
            onBackendKeyData?(key)
        case .backend(.readyForQuery):
            latency = serverSentReadyForQuery()
        default: break
        }
        if case .backend(let backendMessage) = message {
            if case .errorResponse = backendMessage {
                errorCount += 1
                serverSentErrorLast = true
            } else {
                serverSentErrorLast = false
            }
        }
        guard configuration.format != .none, configuration.filter.admits(message.typeName) else { return }
        write(DecodedMessage(message: message, offset: offset, bytes: bytes, valueTypes: types), latency: latency)
    }

    private func write(_ decoded: DecodedMessage, latency: StatementLatency?) {
        let options = configuration.renderOptions
        switch configuration.format {
        case .text:
            let prefix = currentTextLineStart()
            let suffix = latency?.textSuffix ?? ""
            guard configuration.colors else {
                // Rendered straight into the batch, as `pgw decode` prints.
                decoded.write(as: .text, options: options, linePrefix: prefix, textSuffix: suffix, to: &batch)
                batch.append(UInt8(ascii: "\n"))
                return
            }
            let message = decoded.formatted(as: .text, options: options) + suffix
            let fromClient = if case .frontend = decoded.message { true } else { false }
            emit(
                TrafficLogColors.message(
                    message, prefix: prefix, typeName: decoded.message.typeName, fromClient: fromClient))
        case .json:
            var members = currentJSONMembers()
            if let latency { members = members.appending([latency.jsonMember]) }
            decoded.write(as: .json, options: options, jsonMembers: members, to: &batch)
            batch.append(UInt8(ascii: "\n"))
        case .hex:
            emit(currentTextLineStart() + decoded.formatted(as: .hex, options: options))
        case .none:
            break
        }
    }

    /// The JSON members of the current read's lines (``jsonMembers``), rendered now if this is its first line.
    private func currentJSONMembers() -> JSONLineMembers {
        if jsonMembers.isEmpty { appendJSONLineMembers(at: LogTimestamp.now(), to: &jsonMembers) }
        return JSONLineMembers(renderedJSON: jsonMembers)
    }

    /// Appends the `connection` and `time` members of a JSON message line logged at `time` to `bytes`, rendered
    /// from bytes kept for the connection and the second.
    func appendJSONLineMembers(at time: LogTimestamp, to bytes: inout [UInt8]) {
        bytes += jsonConnectionMember
        timestamps.appendQuotedRFC3339(time, to: &bytes)
    }

    /// `TIME CONNECTION ` for the text and hex lines of the current read.
    private func currentTextLineStart() -> String {
        if let text = textLineStart { return text }
        let text = "\(timestamps.clock(LogTimestamp.now())) #\(number) "
        textLineStart = text
        return text
    }

    /// Logs `bytes` (a message, or the start of one `length` bytes long) as `Unknown` with `reason`; counted as an
    /// error unless `isError` is false. The text line shows the message's length word, `lengthWord`, as `length=`
    /// (as the text form's `length=` sets it), and the bytes in hex: when whole, the line can be pasted into
    /// `pgw repl` to send them again; the JSON line's `length` is the whole message's, as for every message.
    private func logUnknown(
        _ bytes: ByteBuffer, _ direction: MessageDirection, offset: Int, length: Int? = nil, lengthWord: Int?,
        reason: String, isError: Bool = true
    ) {
        if isError { errorCount += 1 }
        guard configuration.format != .none, configuration.filter.admits("Unknown") else { return }
        let time = LogTimestamp.now()
        let prefix = direction == .frontend ? "F" : "B"
        // A client's 'p' message carries a password (or SASL data) whatever its shape: masked as when decoded.
        let masksBody =
            direction == .frontend && !configuration.renderOptions.revealSecrets
            && bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == UInt8(ascii: "p")
        let shown = masksBody ? min(5, bytes.readableBytes) : configuration.renderOptions.maximumTextValueLength
        let hex = HexDump.hex(bytes.readableBytesView.prefix(max(shown, 0)))
        let cut =
            masksBody
            ? " ****" : (length ?? bytes.readableBytes) > min(shown, bytes.readableBytes) ? "…" : ""
        let body: RenderedValue =
            masksBody
            ? .masked(byteCount: bytes.readableBytes - shown)
            : .object([("hex", .string(HexDump.hex(bytes.readableBytesView)))])
        switch configuration.format {
        case .json:
            let header: [(String, RenderedValue)] = [
                ("schema", .integer(Int64(RenderFormat.jsonSchemaVersion))), ("connection", .integer(Int64(number))),
                ("time", .string(timestamps.rfc3339(time))), ("direction", .string(direction.rawValue)),
                ("type", .string("Unknown")),
                ("offset", .integer(Int64(offset))), ("length", .integer(Int64(length ?? bytes.readableBytes))),
                ("reason", .string(reason)),
                ("bytes", body),
            ]
            emit(RenderedValue.object(header).jsonText)
        case .text, .hex, .none:
            emit(
                "\(timestamps.clock(time)) #\(number) \(prefix) Unknown\(lengthWord.map { " length=\($0)" } ?? "") (\(reason)) \(hex)\(cut)"
            )
        }
    }
}
