import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Malformed, truncated, oversized and random input ends in typed errors, never a crash or a hang.
struct HostileInputTests {
    static func frontendError(_ bytes: ByteBuffer, phase: FrontendMessageDecoder.Phase = .messages, maximum: Int? = nil)
        -> WireDecodingError?
    {
        var decoder = FrontendMessageDecoder(
            phase: phase,
            infersPeerContext: true,
            maximumMessageLength: maximum ?? WireLimits.defaultMaximumMessageLength
        )
        var buffer = bytes
        do {
            while try decoder.decode(from: &buffer) != nil {}
            return nil
        } catch {
            return error
        }
    }

    static func backendError(_ bytes: ByteBuffer, maximum: Int? = nil) -> WireDecodingError? {
        var decoder = BackendMessageDecoder(maximumMessageLength: maximum ?? WireLimits.defaultMaximumMessageLength)
        decoder.observe(.startup(StartupMessage(parameters: [])))
        var buffer = bytes
        do {
            while try decoder.decode(from: &buffer) != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test func negativeTypedLengthIsRejectedWithItsOffset() {
        var bytes = encoded(.sync)
        bytes.writeImmutableBuffer(wire(.char("Q"), .int32(-5)))
        #expect(
            Self.frontendError(bytes)
                == WireDecodingError(
                    offset: 5, messageType: "Query", reason: .negativeLength(field: "message length", value: -5))
        )
    }

    @Test func lengthShorterThanItselfIsRejected() {
        #expect(Self.backendError(wire(.char("Z"), .int32(3)))?.reason == .invalidMessageLength(3))
    }

    @Test func oversizedMessagesAreRejectedBeforeBuffering() {
        let error = Self.backendError(wire(.char("D"), .int32(1_000_000)), maximum: 65_536)
        #expect(error?.reason == .messageTooLong(length: 1_000_001, limit: 65_536))
        #expect(error?.messageType == "DataRow")
    }

    @Test func startupPacketsAreLimitedLikePostgreSQL() {
        let error = Self.frontendError(wire(.int32(10_001), .int32(196_608)), phase: .startup)
        #expect(error?.reason == .messageTooLong(length: 10_001, limit: 10_000))
        #expect(
            Self.frontendError(wire(.int32(4), .int32(196_608)), phase: .startup)?.reason == .invalidMessageLength(4))
        #expect(
            Self.frontendError(wire(.int32(-8), .int32(196_608)), phase: .startup)?.reason
                == .negativeLength(field: "packet length", value: -8))
    }

    @Test func unknownTypeBytesAreRejected() {
        #expect(Self.frontendError(wire(.char("?"), .int32(4)))?.reason == .unknownMessageType(UInt8(ascii: "?")))
        #expect(Self.backendError(wire(.char("x"), .int32(4)))?.reason == .unknownMessageType(UInt8(ascii: "x")))
    }

    @Test func fieldsRunningPastTheBodyAreRejected() {
        #expect(
            Self.frontendError(wire(.char("Q"), .int32(8), .text("abcd")))?.reason == .missingTerminator(field: "query")
        )
        let row = wire(.char("D"), .int32(14), .int16(1), .int32(100), .text("abcd"))
        #expect(Self.backendError(row)?.reason == .truncated(field: "column value"))
        let negative = wire(.char("D"), .int32(10), .int16(1), .int32(-2))
        #expect(Self.backendError(negative)?.reason == .negativeLength(field: "column length", value: -2))
        let bind = wire(.char("B"), .int32(10), .cstring(""), .cstring(""), .int16(0), .int16(1))
        #expect(Self.frontendError(bind)?.reason == .truncated(field: "parameter length"))
    }

    @Test func trailingBytesAreRejected() {
        #expect(Self.frontendError(wire(.char("S"), .int32(5), .raw([0])))?.reason == .trailingBytes(count: 1))
        #expect(
            Self.backendError(wire(.char("Z"), .int32(6), .char("I"), .char("I")))?.reason == .trailingBytes(count: 1))
    }

    @Test func invalidEnumeratedValuesAreRejected() {
        #expect(
            Self.backendError(wire(.char("Z"), .int32(5), .char("Q")))?.reason
                == .invalidValue(field: "transaction status", value: 0x51))
        #expect(
            Self.backendError(wire(.char("R"), .int32(8), .int32(99)))?.reason
                == .invalidValue(field: "authentication code", value: 99))
        #expect(
            Self.frontendError(wire(.char("D"), .int32(6), .char("X"), .raw([0])))?.reason
                == .invalidValue(field: "object kind", value: 0x58))
        let longKey = wire(.char("K"), .int32(8 + 257), .int32(1), .raw(Array(repeating: 1, count: 257)))
        #expect(Self.backendError(longKey)?.reason == .invalidValue(field: "secret key length", value: 257))
    }

    @Test func bytesAfterCancelRequestAreRejected() {
        var bytes = encoded(.cancelRequest(CancelRequest(processID: 1, secretKey: [1, 2, 3, 4])))
        bytes.writeBytes([1])
        #expect(
            Self.frontendError(bytes, phase: .startup)?.reason
                == .unexpectedBytes(count: 1, context: "after CancelRequest"))
    }

    @Test func truncatedStreamsEndInAFailureNamingTheOffset() {
        var frontend = encoded(SyntheticSessions.startup)
        frontend.writeImmutableBuffer(wire(.char("Q"), .int32(100), .text("sel")))
        var decoder = SessionDecoder()
        decoder.append(frontend, from: .frontend)
        decoder.finish()
        var events: [SessionDecoder.Event] = []
        while let event = decoder.nextEvent() { events.append(event) }
        let startupLength = encoded(SyntheticSessions.startup).readableBytes
        #expect(events.count == 2)
        #expect(
            events.last
                == .failure(
                    .frontend,
                    WireDecodingError(
                        offset: startupLength, messageType: nil, reason: .incompleteMessage(needed: 101, available: 8)))
        )
    }

    /// Random bytes, and valid sessions with random bytes flipped, decode to messages and at most one failure per direction.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomStreamsNeverCrashOrHang(seed: UInt64) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let sessions = SyntheticSessions.all
        for iteration in 0..<2_000 {
            var decoder = SessionDecoder(maximumMessageLength: 1 << 16)
            for direction in MessageDirection.allCases {
                var bytes: [UInt8]
                if iteration % 2 == 0 {
                    bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
                        UInt8.random(in: 0...255, using: &generator)
                    }
                } else {
                    let session = sessions[Int.random(in: 0..<sessions.count, using: &generator)]
                    let stream = direction == .frontend ? session.frontendBytes : session.backendBytes
                    bytes = Array(stream.readableBytesView)
                    for _ in 0..<3 where !bytes.isEmpty {
                        bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                            in: 0...255, using: &generator)
                    }
                }
                decoder.append(ByteBuffer(bytes: bytes), from: direction)
            }
            decoder.finish()
            var failures = 0
            var steps = 0
            while let event = decoder.nextEvent() {
                steps += 1
                if case .failure = event { failures += 1 }
                if case .message(let message) = event {
                    var reencoded = ByteBuffer()
                    message.message.encode(into: &reencoded)
                    #expect(reencoded == message.bytes, "seed \(seed) iteration \(iteration)")
                    _ = message.formatted(as: .json)
                }
                #expect(steps < 10_000, "seed \(seed) iteration \(iteration) does not terminate")
                if steps >= 10_000 { break }
            }
            #expect(failures <= 2)
        }
    }
}
