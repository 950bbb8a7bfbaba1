import NIOConcurrencyHelpers
import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// The interpreter without a server: what it sends, prints and checks.
struct REPLSessionTests {
    /// A session over a recording transport, with what it printed.
    static func makeSession(timeout: Duration = .milliseconds(200)) -> (
        REPLSession, RecordingTransport, NIOLockedValueBox<[String]>
    ) {
        let transport = RecordingTransport()
        let printed = NIOLockedValueBox<[String]>([])
        let session = REPLSession(transport: transport, settings: REPLSettings(timeout: timeout)) { line in
            printed.withLockedValue { $0.append(line) }
        }
        return (session, transport, printed)
    }

    static func arrival(_ message: BackendMessage) -> REPLEvent {
        var bytes = ByteBuffer()
        message.encode(into: &bytes)
        return .message(DecodedMessage(message: .backend(message), offset: 0, bytes: bytes))
    }

    @Test func autosendOffCollectsAPipelineForSend() async throws {
        let (session, transport, printed) = Self.makeSession()
        #expect(await session.execute("\\set autosend off") == .done)
        #expect(await session.execute("Execute maxRows=10") == .done)
        #expect(await session.execute("Sync") == .done)
        #expect(transport.sends.isEmpty)
        #expect(await session.execute("\\send") == .done)
        #expect(transport.sends == [[0x45, 0, 0, 0, 9, 0, 0, 0, 0, 10, 0x53, 0, 0, 0, 4]])
        #expect(printed.withLockedValue { $0 } == [#"F Execute portal="" maxRows=10"#, "F Sync"])
    }

    @Test func badLinesSendNothingAndPointAtTheToken() async {
        let (session, transport, _) = Self.makeSession()
        let outcome = await session.execute("Bind parameters=[\"1\" portal=\"\"")
        let caret = String(repeating: " ", count: 21) + "^ a list holds values, not name=value"
        #expect(outcome == .failed("Bind parameters=[\"1\" portal=\"\"\n" + caret))
        #expect(
            await session.execute("\\frobnicate") == .failed("unknown meta-command '\\frobnicate'; \\help lists them"))
        #expect(transport.sends.isEmpty)
    }

    @Test func expectChecksArrivalsInOrder() async {
        let (session, _, _) = Self.makeSession()
        await session.receive(Self.arrival(.commandComplete(CommandComplete(tag: "SELECT 1"))))
        await session.receive(
            Self.arrival(.errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "42P01", message: "no table"))))
        await session.receive(Self.arrival(.readyForQuery(.failed)))
        #expect(await session.execute(#"\expect CommandComplete tag="SELECT 1""#) == .done)
        #expect(await session.execute(#"\expect ErrorResponse code=42P01 severity=ERROR"#) == .done)
        #expect(
            await session.execute(#"\expect ReadyForQuery status=I"#)
                == .failed(
                    "expected ReadyForQuery status=I; received B ReadyForQuery E (failed transaction) (status is \"E\")"
                ))
        #expect(
            await session.execute(#"\expect DataRow"#)
                == .failed("expected DataRow; nothing arrived within 0.2 seconds"))
    }

    @Test func waitTimesOutWhenReadyForQueryIsOwed() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute(#"Query "select 1""#) == .done)
        #expect(await session.isWaitingForReady)
        #expect(await session.execute("\\wait") == .failed("no ReadyForQuery within 0.2 seconds (1 of 1 owed)"))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
    }

    @Test func switchesAndHelp() async {
        let (session, transport, printed) = Self.makeSession()
        #expect(await session.execute("\\format json") == .done)
        #expect(await session.execute("\\reveal on") == .done)
        #expect(await session.execute("PasswordMessage \"secret\"") == .done)
        #expect(printed.withLockedValue { $0.last }?.contains(#""password":"secret""#) == true)
        #expect(await session.execute("\\format yaml") == .failed("usage: \\format text|json|hex"))
        #expect(await session.execute("\\help execute") == .done)
        #expect(printed.withLockedValue { $0.last }?.hasPrefix("Execute portal=\"\" maxRows=0") == true)
        #expect(await session.execute("\\cancel") == .done)
        #expect(transport.cancelCount == 1)
        #expect(await session.execute("\\quit") == .quit)
    }
}
