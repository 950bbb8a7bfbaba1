import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Decoding whole conversations: context resolution between the directions, chunking, inference.
struct SessionDecoderTests {
    /// Decodes a session fed in chunks of the given sizes (cycled), alternating directions.
    static func decode(
        _ session: SyntheticSessions.Session,
        frontendOnly: Bool = false,
        backendOnly: Bool = false,
        chunkSizes: [Int]? = nil
    ) -> [SessionDecoder.Event] {
        var decoder = SessionDecoder()
        var events: [SessionDecoder.Event] = []
        var frontend = frontendOnly || !backendOnly ? session.frontendBytes : ByteBuffer()
        var backend = backendOnly || !frontendOnly ? session.backendBytes : ByteBuffer()
        var sizeIndex = 0
        while frontend.readableBytes > 0 || backend.readableBytes > 0 {
            for direction in MessageDirection.allCases {
                var source = direction == .frontend ? frontend : backend
                let size = chunkSizes.map { $0[sizeIndex % $0.count] } ?? source.readableBytes
                sizeIndex += 1
                if let chunk = source.readSlice(length: min(size, source.readableBytes)), chunk.readableBytes > 0 {
                    decoder.append(chunk, from: direction)
                }
                if direction == .frontend { frontend = source } else { backend = source }
                while let event = decoder.nextEvent() { events.append(event) }
            }
        }
        decoder.finish()
        while let event = decoder.nextEvent() { events.append(event) }
        return events
    }

    static func messages(_ events: [SessionDecoder.Event], _ direction: MessageDirection) -> [DecodedMessage] {
        events.compactMap {
            if case .message(let message) = $0, message.direction == direction { return message }
            return nil
        }
    }

    @Test(arguments: SyntheticSessions.all)
    func decodesBothDirectionsExactly(_ session: SyntheticSessions.Session) {
        let events = Self.decode(session)
        #expect(Self.messages(events, .frontend).map(\.message) == session.frontend.map(WireMessage.frontend))
        #expect(Self.messages(events, .backend).map(\.message) == session.backend.map(WireMessage.backend))
        for message in Self.messages(events, .frontend) + Self.messages(events, .backend) {
            var reencoded = ByteBuffer()
            message.message.encode(into: &reencoded)
            #expect(reencoded == message.bytes, "\(message.message.typeName) at \(message.offset)")
        }
    }

    @Test(arguments: SyntheticSessions.all)
    func chunkingDoesNotChangeTheResult(_ session: SyntheticSessions.Session) {
        let whole = Self.decode(session)
        let bytewise = Self.decode(session, chunkSizes: [1])
        var generator = SeededRandomNumberGenerator(seed: 0x5EED)
        let random = (0..<64).map { _ in Int.random(in: 1...40, using: &generator) }
        let chunked = Self.decode(session, chunkSizes: random)
        for direction in MessageDirection.allCases {
            #expect(Self.messages(bytewise, direction) == Self.messages(whole, direction))
            #expect(Self.messages(chunked, direction) == Self.messages(whole, direction))
        }
    }

    @Test(arguments: SyntheticSessions.all)
    func singleStreamsAreDecodedByInference(_ session: SyntheticSessions.Session) {
        let frontend = Self.decode(session, frontendOnly: true)
        let backend = Self.decode(session, backendOnly: true)
        #expect(Self.messages(frontend, .frontend).map(\.message) == session.frontend.map(WireMessage.frontend))
        // Without the frontend stream, an `N` cannot tell a refused GSSENCRequest from a refused SSLRequest.
        let expectedBackend = session.backend.map { message -> WireMessage in
            message == .gssENCResponse(accepted: false) ? .backend(.sslResponse(accepted: false)) : .backend(message)
        }
        #expect(Self.messages(backend, .backend).map(\.message) == expectedBackend)
    }

    @Test func eventsAlternateLikeAConversation() {
        let events = Self.decode(SyntheticSessions.all[0])
        let order = events.compactMap { event -> String? in
            if case .message(let message) = event {
                return (message.direction == .frontend ? "F:" : "B:") + message.message.typeName
            }
            return nil
        }
        #expect(
            order == [
                "F:SSLRequest", "B:SSLResponse", "F:StartupMessage", "B:AuthenticationMD5Password", "F:PasswordMessage",
                "B:AuthenticationOk", "B:ParameterStatus", "B:BackendKeyData", "B:ReadyForQuery", "F:Query",
                "B:RowDescription", "B:DataRow", "B:CommandComplete", "B:ReadyForQuery", "F:Terminate",
            ]
        )
    }

    @Test func scramLoginKeepsTheServerTurnUntilReadyForQuery() {
        let events = Self.decode(SyntheticSessions.all[1])
        let order = events.compactMap { event -> String? in
            guard case .message(let message) = event else { return nil }
            return (message.direction == .frontend ? "F:" : "B:") + message.message.typeName
        }
        let final = order.firstIndex(of: "B:AuthenticationSASLFinal")!
        #expect(
            Array(order[final...].prefix(6)) == [
                "B:AuthenticationSASLFinal", "B:AuthenticationOk", "B:ParameterStatus", "B:BackendKeyData",
                "B:ReadyForQuery", "F:Parse",
            ]
        )
    }

    @Test func tlsAfterSSLRequestIsNotDecoded() {
        var decoder = SessionDecoder()
        var frontend = encoded(.sslRequest)
        frontend.writeBytes([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
        var backend = encoded(.sslResponse(accepted: true))
        backend.writeBytes([0x16, 0x03, 0x03, 0x00, 0x01, 9])
        decoder.append(frontend, from: .frontend)
        decoder.append(backend, from: .backend)
        decoder.finish()
        var types: [String] = []
        while let event = decoder.nextEvent() {
            guard case .message(let message) = event else {
                Issue.record("unexpected \(event)")
                continue
            }
            types.append(message.message.typeName)
        }
        #expect(types == ["SSLRequest", "SSLResponse"])
        #expect(decoder.isEncrypted(.frontend) && decoder.isEncrypted(.backend))
        #expect(decoder.remainingBytes(.frontend) == 10 && decoder.remainingBytes(.backend) == 6)
    }

    @Test func directTLSIsRecognized() throws {
        var decoder = FrontendMessageDecoder()
        var buffer = ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00])
        #expect(try decoder.decode(from: &buffer) == nil)
        #expect(decoder.phase == .encrypted)
    }
}
