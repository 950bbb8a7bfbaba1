import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// `waitsForTurn`: reading captures on demand, as `pgw decode` does.
struct SessionDecoderOnDemandTests {
    /// Decodes the given streams (absent ones are finished at once) by appending a chunk of the awaited
    /// direction whenever the decoder returns `nil`; records the most bytes it held at once.
    static func decodeOnDemand(
        frontend: ByteBuffer?, backend: ByteBuffer?, chunkSizes: [Int]
    ) -> (events: [SessionDecoder.Event], mostBuffered: Int) {
        var decoder = SessionDecoder(waitsForTurn: true)
        var streams: [MessageDirection: ByteBuffer] = [:]
        streams[.frontend] = frontend
        streams[.backend] = backend
        for direction in MessageDirection.allCases where streams[direction] == nil {
            decoder.finish(direction)
        }
        var events: [SessionDecoder.Event] = []
        var mostBuffered = 0
        var sizeIndex = 0
        while true {
            while let event = decoder.nextEvent() { events.append(event) }
            let open = MessageDirection.allCases.filter { streams[$0] != nil }
            guard let direction = decoder.awaitedDirection.flatMap({ open.contains($0) ? $0 : nil }) ?? open.first,
                var stream = streams[direction]
            else { break }
            let size = chunkSizes[sizeIndex % chunkSizes.count]
            sizeIndex += 1
            let chunk = stream.readSlice(length: min(size, stream.readableBytes))!
            if chunk.readableBytes == 0 {
                decoder.finish(direction)
                streams[direction] = nil
            } else {
                decoder.append(chunk, from: direction)
                streams[direction] = stream
            }
            mostBuffered = max(mostBuffered, decoder.remainingBytes(.frontend) + decoder.remainingBytes(.backend))
        }
        return (events, mostBuffered)
    }

    /// Both streams whole, then finish(): the reference order.
    static func decodeWhole(frontend: ByteBuffer?, backend: ByteBuffer?) -> [SessionDecoder.Event] {
        var decoder = SessionDecoder()
        if let frontend { decoder.append(frontend, from: .frontend) }
        if let backend { decoder.append(backend, from: .backend) }
        decoder.finish()
        var events: [SessionDecoder.Event] = []
        while let event = decoder.nextEvent() { events.append(event) }
        return events
    }

    @Test(arguments: SyntheticSessions.all)
    func onDemandChunksGiveTheWholeStreamEventsInTheSameOrder(_ session: SyntheticSessions.Session) {
        var generator = SeededRandomNumberGenerator(seed: 0xC0FFEE)
        let random = (0..<64).map { _ in Int.random(in: 1...40, using: &generator) }
        let streams: [(ByteBuffer?, ByteBuffer?)] = [
            (session.frontendBytes, session.backendBytes), (session.frontendBytes, nil), (nil, session.backendBytes),
        ]
        for (frontend, backend) in streams {
            let whole = Self.decodeWhole(frontend: frontend, backend: backend)
            for sizes in [[1], [7], random, [1 << 20]] {
                let onDemand = Self.decodeOnDemand(frontend: frontend, backend: backend, chunkSizes: sizes)
                #expect(onDemand.events == whole, "chunks \(sizes.prefix(4)), \(frontend != nil) \(backend != nil)")
            }
        }
    }

    @Test func onDemandDecodingHoldsOneMessageAndOneChunkWhateverTheStreamLength() {
        // 2,000 queries of 4 kB each way: 8 MB, read in 64 kB chunks.
        let text = String(repeating: "x", count: 4_000)
        var frontend = encoded(SyntheticSessions.startup)
        var backend = ByteBuffer()
        for message in SyntheticSessions.serverReady { backend.writeImmutableBuffer(encoded(message)) }
        for _ in 0..<2_000 {
            frontend.writeImmutableBuffer(encoded(.query(Query("select '\(text)'"))))
            backend.writeImmutableBuffer(encoded(.commandComplete(CommandComplete(tag: "SELECT 1"))))
            backend.writeImmutableBuffer(encoded(.readyForQuery(.idle)))
        }
        let chunk = 1 << 16
        let result = Self.decodeOnDemand(frontend: frontend, backend: backend, chunkSizes: [chunk])
        #expect(result.events.count == 1 + SyntheticSessions.serverReady.count + 2_000 * 3)
        #expect(!result.events.contains { if case .failure = $0 { true } else { false } })
        // Each direction holds at most the rest of its last chunk and one incomplete message.
        #expect(result.mostBuffered <= 2 * (chunk + 4_100), "held \(result.mostBuffered) bytes")
    }
}
