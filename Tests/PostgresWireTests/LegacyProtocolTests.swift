import NIOCore
import PostgresWire
import Testing

/// The pre-3.0 edge: StartupMessages for versions PostgreSQL rejects, and its pre-3.0 error reply.
struct LegacyProtocolTests {
    static let version = ProtocolVersion(major: 0, minor: 1234)
    static let legacyError = BackendMessage.errorResponse(.unsupportedProtocolVersion(version, newest: .v3_0))

    @Test func unsupportedVersionsAreDecodedAndFlagged() throws {
        let startup = try #require(
            try decodeOneFrontend(wire(.int32(9), .int32(0x0002_0000), .raw([0])), phase: .startup))
        #expect(
            startup == .startup(StartupMessage(protocolVersion: ProtocolVersion(major: 2, minor: 0), parameters: [])))
        guard case .startup(let message) = startup else { return }
        #expect(!message.isProtocolVersionSupported)
        #expect(message.expectsLegacyReply)
        #expect(
            StartupMessage(protocolVersion: ProtocolVersion(major: 3, minor: 9), parameters: [])
                .isProtocolVersionSupported)
        #expect(
            !StartupMessage(protocolVersion: ProtocolVersion(major: 4, minor: 0), parameters: []).expectsLegacyReply)
    }

    @Test func aMalformedBodyIsStillAnErrorForVersion3() {
        var decoder = FrontendMessageDecoder(phase: .startup)
        var buffer = wire(.int32(19), .int32(196_608), .cstring("db"), .raw([0, 0]), .cstring("alice"))
        #expect(throws: WireDecodingError.self) { try decoder.decode(from: &buffer) }
    }

    @Test func versionsFrom3OnGetAStandardErrorResponse() {
        let error = DiagnosticMessage.unsupportedProtocolVersion(ProtocolVersion(major: 4, minor: 0), newest: .v3_2)
        #expect(!error.isLegacy)
        #expect(error.sqlState == "0A000")
        #expect(error.message == "unsupported frontend protocol 4.0: server supports 3.0 to 3.2")
    }

    @Test func theLegacyErrorRendersInEveryFormat() {
        let decoded = DecodedMessage(message: .backend(Self.legacyError), offset: 1, bytes: encoded(Self.legacyError))
        #expect(
            decoded.formatted(as: .text)
                == #"B ErrorResponse legacy "FATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.0\n""#
        )
        #expect(
            decoded.formatted(as: .json)
                == #"{"schema":1,"direction":"backend","type":"ErrorResponse","offset":1,"length":75,"fields":"#
                + #"{"message":"FATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.0\n"},"#
                + #""legacy":true}"#)
        let dump = decoded.formatted(as: .hex).split(separator: "\n")
        #expect(dump.first == "B ErrorResponse offset=1 length=75")
        #expect(dump.dropFirst().first?.hasPrefix("00000001  45 46 41 54 41 4c 3a 20") == true, "\(dump)")
    }

    @Test func aStartupBodyThatIsNotPairsIsShownAsBytes() {
        let startup = FrontendMessage.startup(
            StartupMessage(
                protocolVersion: ProtocolVersion(major: 2, minor: 0), parameters: [],
                unparsedBody: ByteBuffer(bytes: [0x64, 0, 0, 0x61, 0])))
        #expect(
            startup.rendered().textLine == #"StartupMessage 2.0 (unsupported protocol version) body="\\x6400006100""#)
        #expect(
            startup.rendered().jsonLine(offset: 0, length: 13).hasSuffix(
                #""protocolVersion":"2.0","protocolVersionSupported":false,"parameters":{},"body":{"hex":"6400006100"}}"#
            ))
    }

    @Test func aLegacyErrorCutShortIsReportedAsSuch() {
        var decoder = SessionDecoder()
        decoder.append(
            encoded(.startup(StartupMessage(protocolVersion: Self.version, parameters: []))), from: .frontend)
        decoder.append(wire(.char("E"), .text("FATAL:  unsupp")), from: .backend)
        decoder.finish()
        var events: [SessionDecoder.Event] = []
        while let event = decoder.nextEvent() { events.append(event) }
        #expect(events.count == 2)
        guard case .failure(let direction, let error) = events.last else {
            Issue.record("expected a failure, got \(events)")
            return
        }
        #expect(direction == .backend)
        #expect(error.messageType == "ErrorResponse")
        #expect(error.reason == .missingTerminator(field: "legacy error text"))
    }

    @Test func aStandardErrorIsNotTakenForALegacyOne() throws {
        var decoder = BackendMessageDecoder(infersPeerContext: true)
        let standard = BackendMessage.errorResponse(
            .unsupportedProtocolVersion(ProtocolVersion(major: 4, minor: 0), newest: .v3_0))
        var buffer = encoded(standard)
        #expect(try decoder.decode(from: &buffer) == standard)
        #expect(!decoder.expectsLegacyErrors)
    }
}
