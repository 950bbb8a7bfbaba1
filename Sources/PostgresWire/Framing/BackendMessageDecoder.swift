import NIOCore

/// Incrementally decodes the server-to-client byte stream of one connection.
///
/// The stream may start with one-byte answers to SSLRequest and GSSENCRequest; which bytes those are
/// depends on what the client sent. Tell the decoder with ``observe(_:)``, or set ``infersPeerContext``
/// to have it recognize them from the bytes alone.
public struct BackendMessageDecoder: Sendable {
    /// Where in the connection's lifecycle the stream is.
    public enum Phase: Sendable, Hashable {
        /// Nothing decoded yet and the client's first packet not yet observed.
        case startup
        /// Expecting typed messages, or the one-byte answers still owed.
        case messages
        /// The rest of the stream is encrypted (TLS or GSSAPI) and is not decoded.
        case encrypted
    }

    /// The current phase.
    public private(set) var phase: Phase = .startup
    /// One-byte answers the server still owes, oldest first.
    public private(set) var pendingEncryptionResponses: [EncryptionRequest] = []
    /// Whether to recognize one-byte answers from the bytes instead of waiting for ``observe(_:)``.
    public var infersPeerContext: Bool
    /// The largest typed message accepted, header included.
    public let maximumMessageLength: Int
    /// The number of bytes consumed from the stream so far.
    public private(set) var streamOffset: Int = 0
    /// True when the last ``decode(from:)`` returned `nil` because it needs to see the client's first packet.
    public private(set) var isWaitingForPeer = false
    /// Whether an `E` starts a pre-3.0 error (no length word): the client asked for a version before 3.0, or,
    /// when inferring, the stream starts with `E` and a byte no length word starts with.
    public private(set) var expectsLegacyErrors = false

    /// Creates a decoder at the start of a connection (or at `phase`, `streamOffset` bytes into the stream).
    public init(
        phase: Phase = .startup,
        streamOffset: Int = 0,
        infersPeerContext: Bool = false,
        maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength
    ) {
        self.phase = phase
        self.streamOffset = streamOffset
        self.infersPeerContext = infersPeerContext
        self.maximumMessageLength = maximumMessageLength
    }

    /// Updates the decoder with a message the client sent.
    public mutating func observe(_ message: FrontendMessage) {
        switch message {
        case .sslRequest:
            pendingEncryptionResponses.append(.ssl)
        case .gssENCRequest:
            pendingEncryptionResponses.append(.gss)
        case .startup(let startup):
            if phase == .startup { phase = .messages }
            if startup.expectsLegacyReply { expectsLegacyErrors = true }
        case .cancelRequest:
            if phase == .startup { phase = .messages }
        default:
            break
        }
    }

    /// Decodes the next complete message from `buffer`, or returns `nil` if more bytes (or the client's packet) are needed.
    public mutating func decode(from buffer: inout ByteBuffer) throws(WireDecodingError) -> BackendMessage? {
        isWaitingForPeer = false
        if phase == .messages && pendingEncryptionResponses.isEmpty {
            return try decodeTypedMessage(from: &buffer)
        }
        guard phase != .encrypted, let first = buffer.readableBytesView.first else { return nil }
        if let request = pendingEncryptionResponses.first,
            let answer = consumeEncryptionResponse(first, to: request, from: &buffer)
        {
            pendingEncryptionResponses.removeFirst()
            return answer
        }
        if phase == .startup {
            guard infersPeerContext else {
                isWaitingForPeer = true
                return nil
            }
            // A server starts with an authentication request or an error (or NegotiateProtocolVersion), never with
            // ParameterStatus, NoticeResponse or CopyInResponse: an `S`, `N` or `G` here is a one-byte answer, decided
            // at once (it is often alone in its packet, and the next may come much later).
            if [UInt8(ascii: "S"), UInt8(ascii: "N"), UInt8(ascii: "G")].contains(first) {
                return consumeEncryptionResponse(first, to: first == UInt8(ascii: "G") ? .gss : .ssl, from: &buffer)
            }
            let isError = first == UInt8(ascii: "E")
            guard !isError || buffer.readableBytes >= 2 else { return nil }
            let secondIsZero = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == 0
            // A pre-3.0 error's text ("FATAL:  …") where an ErrorResponse's length word would start with zero.
            if isError && !secondIsZero { expectsLegacyErrors = true }
            phase = .messages
        }
        return try decodeTypedMessage(from: &buffer)
    }

    /// Whether ``frameMessages(in:_:)`` frames messages: the stream is past its startup phase, owes no one-byte
    /// answers and has no pre-3.0 errors, so every message is a typed one.
    public var framesInPlace: Bool {
        phase == .messages && pendingEncryptionResponses.isEmpty && !expectsLegacyErrors
    }

    /// Frames the complete typed messages at the start of `buffer` in place, inside one
    /// `withUnsafeReadableBytes`: `visit` gets each one's type byte and body bytes (``RawMessageFrame``), and
    /// nothing is copied, decoded or retained per message. The messages are consumed; a message not yet whole
    /// stays in `buffer` for the next call, with the bytes that complete it appended.
    ///
    /// Only the headers are checked, as ``decode(from:)`` checks them (an unknown type byte, a length word that
    /// is negative, below 4 or beyond ``maximumMessageLength`` throw the same errors); a body is checked by
    /// whoever reads it, and an error `visit` throws is reported as ``decode(from:)`` reports a malformed body:
    /// at the message's offset, with its type name. The messages before the failing one stay consumed.
    ///
    /// Does nothing unless ``framesInPlace``: until then, take messages with ``decode(from:)``.
    public mutating func frameMessages(
        in buffer: inout ByteBuffer,
        _ visit: (RawMessageFrame) throws(WireFormatError) -> Void
    ) throws(WireDecodingError) {
        try frameMessages(in: &buffer, while: { _ in true }, visit)
    }

    /// ``frameMessages(in:_:)`` for the leading messages whose type byte `accepts`: framing stops at the first
    /// other one, which stays in `buffer` for ``decode(from:)``.
    @inline(__always)
    mutating func frameMessages(
        in buffer: inout ByteBuffer, while accepts: (UInt8) -> Bool,
        _ visit: (RawMessageFrame) throws(WireFormatError) -> Void
    ) throws(WireDecodingError) {
        guard framesInPlace else { return }
        let (start, limit) = (streamOffset, maximumMessageLength)
        let (consumed, failure) = buffer.withUnsafeReadableBytes { raw in
            InPlaceFraming.frame(
                raw, streamOffset: start, maximumMessageLength: limit, typeName: BackendMessage.typeName(forTypeByte:),
                accepts: accepts, visit)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        streamOffset += consumed
        if let failure { throw failure }
    }

    /// Decodes the next message of a finished stream: as ``decode(from:)``, which decides a one-byte answer it
    /// infers at once, also when it is the stream's last byte.
    public mutating func decodeLast(from buffer: inout ByteBuffer) throws(WireDecodingError) -> BackendMessage? {
        try decode(from: &buffer)
    }

    private mutating func consumeEncryptionResponse(
        _ byte: UInt8,
        to request: EncryptionRequest,
        from buffer: inout ByteBuffer
    ) -> BackendMessage? {
        let accepted: Bool
        switch (request, byte) {
        case (.ssl, UInt8(ascii: "S")), (.gss, UInt8(ascii: "G")): accepted = true
        case (_, UInt8(ascii: "N")): accepted = false
        default:
            // Servers without SSL support answer with an ErrorResponse instead.
            phase = .messages
            pendingEncryptionResponses.removeAll()
            return nil
        }
        buffer.moveReaderIndex(forwardBy: 1)
        streamOffset += 1
        if accepted { phase = .encrypted }
        return request == .ssl ? .sslResponse(accepted: accepted) : .gssENCResponse(accepted: accepted)
    }

    private mutating func decodeTypedMessage(from buffer: inout ByteBuffer) throws(WireDecodingError) -> BackendMessage?
    {
        if expectsLegacyErrors && buffer.readableBytesView.first == UInt8(ascii: "E") {
            return try decodeLegacyError(from: &buffer)
        }
        guard
            var frame = try TypedMessageFrame.peek(
                in: buffer, streamOffset: streamOffset, maximumMessageLength: maximumMessageLength,
                typeName: BackendMessage.typeName(forTypeByte:))
        else {
            return nil
        }
        let message: BackendMessage
        do {
            message = try BackendMessage.decodeTyped(typeByte: frame.typeByte, body: &frame.body)
        } catch {
            throw WireDecodingError(offset: streamOffset, messageType: frame.typeName, reason: error)
        }
        buffer.moveReaderIndex(forwardBy: frame.wireLength)
        streamOffset += frame.wireLength
        return message
    }

    /// Decodes a pre-3.0 error: `E` and a zero-terminated text, no length word.
    private mutating func decodeLegacyError(from buffer: inout ByteBuffer) throws(WireDecodingError) -> BackendMessage?
    {
        guard let terminator = buffer.readableBytesView.dropFirst().firstIndex(of: 0) else {
            if buffer.readableBytes > maximumMessageLength {
                throw WireDecodingError(
                    offset: streamOffset, messageType: "ErrorResponse",
                    reason: .messageTooLong(length: Int64(buffer.readableBytes), limit: maximumMessageLength))
            }
            return nil
        }
        let length = terminator - buffer.readerIndex + 1
        var body = buffer.getSlice(at: buffer.readerIndex + 1, length: length - 1)!
        let diagnostic: DiagnosticMessage
        do {
            diagnostic = try DiagnosticMessage.decodeLegacy(from: &body)
        } catch {
            throw WireDecodingError(offset: streamOffset, messageType: "ErrorResponse", reason: error)
        }
        buffer.moveReaderIndex(forwardBy: length)
        streamOffset += length
        return .errorResponse(diagnostic)
    }
}
