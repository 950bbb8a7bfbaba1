import NIOConcurrencyHelpers
import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// The interpreter without a server: what it sends, prints and checks.
struct REPLSessionTests {
    /// A session over a recording transport, with what it printed.
    static func makeSession(timeout: Duration = .milliseconds(200), direction: MessageDirection = .frontend) -> (
        REPLSession, RecordingTransport, NIOLockedValueBox<[String]>
    ) {
        let transport = RecordingTransport(direction: direction)
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
        #expect(
            await session.execute("\\wait")
                == .failed("no ReadyForQuery within 0.2 seconds: 1 Query or Sync is still unanswered"))
        #expect(await session.execute("\\wait 50") == .done, "a pause, not a check")
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
    }

    /// A `\hex` line of whole messages owes a ReadyForQuery for each Query, Sync and FunctionCall in it, so
    /// `\wait` and the end of a script wait for the answers.
    @Test func hexMessagesOweTheirReadyForQuery() async {
        let (session, transport, _) = Self.makeSession()
        // Query "select 1", Flush, Sync.
        let hex = "\\hex 51 00 00 00 0d 73 65 6c 65 63 74 20 31 00 48 00 00 00 04 53 00 00 00 04"
        #expect(await session.execute(hex) == .done)
        #expect(transport.sends.count == 1)
        #expect(
            await session.execute("\\wait")
                == .failed("no ReadyForQuery within 0.2 seconds: 2 Queries or Syncs are still unanswered"))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
        // An incomplete message owes nothing.
        #expect(await session.execute("\\hex 51 00 00 00 0d 73") == .done)
        #expect(await session.execute("\\wait") == .done)
    }

    /// `\expect` with a type no message has fails at once, as a line of an unknown type does.
    @Test func expectingAnUnknownTypeFailsAtOnce() async {
        let (session, _, _) = Self.makeSession()
        guard case .failed(let reason) = await session.execute("\\expect Bogus") else {
            Issue.record("\\expect Bogus did not fail")
            return
        }
        #expect(reason.contains("unknown message type 'Bogus'"), "\(reason)")
        #expect(
            await session.execute("\\expect")
                == .failed("usage: \\expect TYPE [field=value…], such as \\expect ReadyForQuery status=I"))
        // A field given twice is named as such.
        #expect(
            await session.execute(#"Query "select 1" length=5 length=6"#)
                == .failed(
                    #"Query "select 1" length=5 length=6"# + "\n" + String(repeating: " ", count: 26)
                        + "^ 'length' is given twice"))
    }

    /// `\wait MS` ends as soon as every Query and Sync is answered, not after MS (10 minutes here).
    @Test func waitWithMillisecondsEndsOnceAnswered() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute(#"Query "select 1""#) == .done)
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        let start = ContinuousClock.now
        #expect(await session.execute("\\wait 600000") == .done)
        #expect(ContinuousClock.now - start < .seconds(60), "it waited the whole 10 minutes")
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

    static func clientSent(_ message: FrontendMessage) -> REPLEvent {
        var bytes = ByteBuffer()
        message.encode(into: &bytes)
        return .message(DecodedMessage(message: .frontend(message), offset: 0, bytes: bytes))
    }

    /// Server mode: lines are backend messages; `\auto-query` answers with the serve engine, with the settings of
    /// the client's StartupMessage, until turned off.
    @Test func serverModeTypesBackendMessagesAndAnswersQueries() async {
        let (session, transport, printed) = Self.makeSession(direction: .backend)
        #expect(await session.execute("ReadyForQuery I") == .done)
        #expect(transport.sends == [[0x5A, 0, 0, 0, 5, 0x49]])
        #expect(
            await session.execute(#"Query "select 1""#)
                == .failed(#"Query "select 1""# + "\n^ Query is a frontend message; this side sends backend messages"))
        #expect(await session.execute("\\auto-query") == .done)
        await session.receive(
            Self.clientSent(.startup(StartupMessage(parameters: [.init("application_name", "probe")]))))
        #expect(transport.sends.count == 1, "startup packets are \\auto-startup's, not \\auto-query's")
        await session.receive(Self.clientSent(.query(Query("show application_name"))))
        #expect(transport.sends.count == 2)
        #expect(
            printed.withLockedValue { Array($0.suffix(4)) } == [
                "B RowDescription [application_name text]", #"B DataRow ["probe"]"#, #"B CommandComplete "SHOW""#,
                "B ReadyForQuery I (idle)",
            ])
        #expect(await session.execute(#"\expect StartupMessage application_name="probe""#) == .done)
        #expect(await session.execute(#"\expect Query query="show application_name""#) == .done)
        #expect(await session.execute("\\auto-query off") == .done)
        await session.receive(Self.clientSent(.query(Query("select 1"))))
        #expect(transport.sends.count == 2)
        #expect(await session.execute("\\wait") == .done, "a message not checked yet has arrived")
    }

    @Test func autoQueryIsForServerMode() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute("\\auto-query") == .failed("\\auto-query is for server mode (--listen)"))
    }

    @Test func historyListsTheLinesNumbered() async {
        let (session, _, printed) = Self.makeSession()
        for number in 1...10 { _ = await session.execute("Query \"select \(number)\"") }
        _ = await session.execute("# comments are not kept")
        #expect(await session.execute("\\history") == .done)
        let listing = printed.withLockedValue { $0.last } ?? ""
        #expect(listing.hasPrefix(#" 1  Query "select 1""#), "\(listing)")
        #expect(listing.hasSuffix("10  Query \"select 10\"\n11  \\history"), "\(listing)")
    }
}
