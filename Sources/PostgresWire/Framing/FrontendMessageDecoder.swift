import NIOCore

/// Incrementally decodes the client-to-server byte stream of one connection.
///
/// It starts in the untyped startup phase (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage)
/// and switches to typed messages after StartupMessage. Two things depend on the server: whether an
/// SSLRequest was accepted, and which message a `p` is. Tell the decoder with ``observe(_:)``, or set
/// ``infersPeerContext`` to have it infer both from the bytes alone.
public struct FrontendMessageDecoder: Sendable {
    /// Where in the connection's lifecycle the stream is.
    public enum Phase: Sendable, Hashable {
        /// Expecting an untyped startup-phase packet.
        case startup
        /// An SSLRequest or GSSENCRequest was sent; the server's one-byte answer decides what follows.
        case awaitingEncryptionResponse(EncryptionRequest)
        /// Expecting typed messages.
        case messages
        /// The rest of the stream is encrypted (TLS or GSSAPI) and is not decoded.
        case encrypted
        /// A CancelRequest was sent; nothing may follow.
        case cancelRequested
    }

    /// The current phase.
    public private(set) var phase: Phase
    /// The kinds of the next `p` messages: one per Authentication request observed and not yet answered.
    ///
    /// A queue rather than the last request, so the answer stays right when the server's stream is decoded ahead.
    public private(set) var pendingPasswordMessageKinds: [PasswordMessageKind] = []
    /// Whether to infer the server's side (SSL answer, `p` kind) from the bytes instead of waiting for ``observe(_:)``.
    public var infersPeerContext: Bool
    /// The largest typed message accepted, header included.
    public let maximumMessageLength: Int
    /// The number of bytes consumed from the stream so far.
    public private(set) var streamOffset: Int = 0
    /// True when the last ``decode(from:)`` returned `nil` because it needs an answer from the server.
    public private(set) var isWaitingForPeer = false

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

    /// Updates the decoder with a message the server sent.
    public mutating func observe(_ message: BackendMessage) {
        switch message {
        case .sslResponse(let accepted), .gssENCResponse(let accepted):
            if case .awaitingEncryptionResponse = phase {
                phase = accepted ? .encrypted : .startup
            }
        case .authentication(let request):
            if let kind = PasswordMessageKind(answering: request) {
                pendingPasswordMessageKinds.append(kind)
            }
        default:
            break
        }
    }

    /// Decodes the next complete message from `buffer`, or returns `nil` if more bytes (or the server's answer) are needed.
    public mutating func decode(from buffer: inout ByteBuffer) throws(WireDecodingError) -> FrontendMessage? {
        isWaitingForPeer = false
        switch phase {
        case .encrypted:
            return nil
        case .cancelRequested:
            if buffer.readableBytes > 0 {
                throw WireDecodingError(
                    offset: streamOffset,
                    messageType: nil,
                    reason: .unexpectedBytes(count: buffer.readableBytes, context: "after CancelRequest")
                )
            }
            return nil
        case .awaitingEncryptionResponse:
            guard buffer.readableBytes > 0 else { return nil }
            guard infersPeerContext else {
                isWaitingForPeer = true
                return nil
            }
            // A TLS record after SSLRequest means the server said `S`; anything else means `N`.
            phase = buffer.readableBytesView.first == 0x16 ? .encrypted : .startup
            return try decode(from: &buffer)
        case .startup:
            return try decodeStartupPacket(from: &buffer)
        case .messages:
            return try decodeTypedMessage(from: &buffer)
        }
    }

    /// Frames the leading complete typed messages of `buffer` whose type byte `accepts` in place, as
    /// ``BackendMessageDecoder/frameMessages(in:_:)`` does, and consumes them: framing stops at the first message
    /// not accepted or not whole, which stays in `buffer` for ``decode(from:)``. Does nothing before the typed
    /// messages' phase; `accepts` must not take `p`, whose type depends on the server's requests.
    @inline(__always)
    mutating func frameMessages(
        in buffer: inout ByteBuffer, while accepts: (UInt8) -> Bool,
        _ visit: (RawMessageFrame) throws(WireFormatError) -> Void
    ) throws(WireDecodingError) {
        guard phase == .messages else { return }
        let (start, limit) = (streamOffset, maximumMessageLength)
        let (consumed, failure) = buffer.withUnsafeReadableBytes { raw in
            InPlaceFraming.frame(
                raw, streamOffset: start, maximumMessageLength: limit,
                typeName: { FrontendMessage.typeName(forTypeByte: $0, passwordKind: nil) }, accepts: accepts, visit)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        streamOffset += consumed
        if let failure { throw failure }
    }

    private mutating func decodeStartupPacket(from buffer: inout ByteBuffer) throws(WireDecodingError)
        -> FrontendMessage?
    {
        // PostgreSQL 17's direct TLS: a TLS handshake record instead of a startup packet.
        if buffer.readableBytesView.first == 0x16 {
            phase = .encrypted
            return nil
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        guard length >= 8 else {
            throw error(
                nil,
                length < 0
                    ? .negativeLength(field: "packet length", value: Int64(length))
                    : .invalidMessageLength(Int64(length)))
        }
        guard length <= WireLimits.maximumStartupPacketLength else {
            throw error(nil, .messageTooLong(length: Int64(length), limit: WireLimits.maximumStartupPacketLength))
        }
        guard var body = buffer.getSlice(at: buffer.readerIndex + 8, length: Int(length) - 8) else { return nil }
        let code = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self)!
        let message: FrontendMessage
        switch code {
        case FrontendMessage.sslRequestCode, FrontendMessage.gssENCRequestCode:
            let isSSL = code == FrontendMessage.sslRequestCode
            guard length == 8 else {
                throw error(isSSL ? "SSLRequest" : "GSSENCRequest", .trailingBytes(count: Int(length) - 8))
            }
            message = isSSL ? .sslRequest : .gssENCRequest
            phase = .awaitingEncryptionResponse(isSSL ? .ssl : .gss)
        case CancelRequest.requestCode:
            do {
                message = .cancelRequest(try CancelRequest.decode(from: &body))
            } catch {
                throw self.error("CancelRequest", error)
            }
            phase = .cancelRequested
        default:
            // Any version: PostgreSQL reads the packet before it rejects the version, so it is what was sent.
            do {
                message = .startup(try StartupMessage.decode(from: &body, version: ProtocolVersion(rawValue: code)))
            } catch {
                throw self.error("StartupMessage", error)
            }
            phase = .messages
        }
        buffer.moveReaderIndex(forwardBy: Int(length))
        streamOffset += Int(length)
        return message
    }

    private mutating func decodeTypedMessage(from buffer: inout ByteBuffer) throws(WireDecodingError)
        -> FrontendMessage?
    {
        let pendingKind = pendingPasswordMessageKinds.first
        guard
            var frame = try TypedMessageFrame.peek(
                in: buffer, streamOffset: streamOffset, maximumMessageLength: maximumMessageLength,
                typeName: { FrontendMessage.typeName(forTypeByte: $0, passwordKind: pendingKind) })
        else {
            return nil
        }
        let isPasswordMessage = frame.typeByte == UInt8(ascii: "p")
        var passwordKind = pendingKind ?? .password
        if isPasswordMessage && pendingPasswordMessageKinds.isEmpty {
            guard infersPeerContext else {
                isWaitingForPeer = true
                return nil
            }
            passwordKind = PasswordMessageKind.guess(fromBody: frame.body)
        }
        let message: FrontendMessage
        do {
            message = try FrontendMessage.decodeTyped(
                typeByte: frame.typeByte, body: &frame.body, passwordKind: passwordKind)
        } catch {
            throw self.error(isPasswordMessage ? passwordKind.typeName : frame.typeName, error)
        }
        if isPasswordMessage && !pendingPasswordMessageKinds.isEmpty {
            pendingPasswordMessageKinds.removeFirst()
        }
        buffer.moveReaderIndex(forwardBy: frame.wireLength)
        streamOffset += frame.wireLength
        return message
    }

    private func error(_ typeName: String?, _ reason: WireFormatError) -> WireDecodingError {
        WireDecodingError(offset: streamOffset, messageType: typeName, reason: reason)
    }
}
