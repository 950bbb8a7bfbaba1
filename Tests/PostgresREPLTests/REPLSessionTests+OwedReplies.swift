import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// What `\wait` and the end of a script wait for: the replies a Flush makes owed, the ParameterDescription a Bind's
/// binary values need, and a COPY that waits for the client's data.
extension REPLSessionTests {
    /// The messages before a Flush are owed their replies: `\wait` waits for ParseComplete, ParameterDescription and
    /// RowDescription, and names what is missing; before the Flush nothing is owed.
    @Test func aFlushMakesTheRepliesBeforeItOwed() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute(#"Parse name="s" "select $1::int8""#) == .done)
        #expect(await session.execute(#"Describe statement "s""#) == .done)
        #expect(await session.execute("\\wait") == .done, "nothing is owed before a Flush")
        #expect(await session.execute("Flush") == .done)
        #expect(await session.isWaitingForReady)
        #expect(
            await session.execute("\\wait")
                == .failed("no reply within 0.2 seconds: 2 messages (Parse, Describe) are still unanswered"))
        await session.receive(Self.arrival(.parseComplete))
        await session.receive(Self.arrival(.parameterDescription(ParameterDescription(parameterTypes: [20]))))
        #expect(
            await session.execute("\\wait")
                == .failed("no reply within 0.2 seconds: 1 Describe is still unanswered"))
        await session.receive(
            Self.arrival(.rowDescription(RowDescription(columns: [.init(name: "int8", dataTypeOID: 20)]))))
        #expect(await session.execute("\\wait") == .done)
        #expect(await session.waitForEnd() == .done)
    }

    /// asyncpg's way: Parse without types, Describe, Flush, then a Bind of binary values. The Bind waits for the
    /// ParameterDescription on its way and is encoded by its types.
    @Test func aBindWaitsForTheParameterDescriptionOwed() async {
        let (session, transport, _) = Self.makeSession(timeout: .seconds(20))
        #expect(await session.execute(#"Parse name="s" "select $1::int8""#) == .done)
        #expect(await session.execute(#"Describe statement "s""#) == .done)
        #expect(await session.execute("Flush") == .done)
        let bind = Task { await session.execute(#"Bind statement="s" parameters=[-2] formats=[binary]"#) }
        try? await Task.sleep(for: .milliseconds(100))
        #expect(transport.sends.count == 3, "the Bind was sent before the ParameterDescription came")
        await session.receive(Self.arrival(.parseComplete))
        await session.receive(Self.arrival(.parameterDescription(ParameterDescription(parameterTypes: [20]))))
        #expect(await bind.value == .done)
        #expect(
            Array(transport.sends.last!.suffix(16)) == [0, 1, 0, 0, 0, 8, 255, 255, 255, 255, 255, 255, 255, 254, 0, 0])
    }

    /// A Describe not flushed is not answered yet: the Bind fails at once and says to send Flush or Sync.
    @Test func aBindAfterAnUnflushedDescribeSaysToFlush() async {
        let (session, _, _) = Self.makeSession(timeout: .seconds(20))
        #expect(await session.execute(#"Parse name="s" "select $1::int8""#) == .done)
        #expect(await session.execute(#"Describe statement "s""#) == .done)
        let start = ContinuousClock.now
        guard case .failed(let reason) = await session.execute(#"Bind statement="s" parameters=[-2] formats=[binary]"#)
        else {
            Issue.record("the Bind was sent")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(reason.contains("its type is not known"), "\(reason)")
        #expect(reason.contains(#"the Describe of statement "s" is not answered yet: send Flush or Sync"#), "\(reason)")
    }

    /// An error skips the messages up to Sync, as the server does: those sent after it owe nothing until a Sync.
    @Test func anErrorSkipsTheRepliesUntilSync() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute(#"Parse "select nonsense""#) == .done)
        #expect(await session.execute("Flush") == .done)
        await session.receive(
            Self.arrival(.errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "42703", message: "no column"))))
        #expect(await session.execute("\\wait") == .done)
        #expect(await session.execute("Bind") == .done)
        #expect(await session.execute("Execute") == .done)
        #expect(await session.execute("Flush") == .done)
        #expect(await session.execute("\\wait") == .done, "the server skips them")
        #expect(await session.execute("Sync") == .done)
        #expect(
            await session.execute("\\wait")
                == .failed("no ReadyForQuery within 0.2 seconds: 1 Query or Sync is still unanswered"))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
    }

    /// COPY FROM STDIN: `\wait` stops at CopyInResponse, the server waiting for CopyData, and says so; the end of a
    /// script there fails at once; after CopyDone the ReadyForQuery is owed again.
    @Test func waitStopsWhereTheServerWaitsForCopyData() async {
        let (session, _, printed) = Self.makeSession(timeout: .seconds(20))
        #expect(await session.execute(#"Query "copy c from stdin""#) == .done)
        await session.receive(Self.arrival(.copyInResponse(CopyResponse(format: 0, columnFormats: [.text]))))
        let start = ContinuousClock.now
        #expect(await session.execute("\\wait") == .done)
        #expect(await session.execute("\\wait 600000") == .done)
        #expect(ContinuousClock.now - start < .seconds(10), "it waited out the timeout")
        #expect(
            printed.withLockedValue { $0.last }
                == "-- the server waits for CopyData (COPY FROM STDIN): send CopyData, then CopyDone or CopyFail")
        #expect(
            await session.waitForEnd()
                == .failed(
                    "the server waits for CopyData (COPY FROM STDIN), and the script ended without CopyDone or CopyFail"
                ))
        #expect(await session.isWaitingForReady, "Ctrl-C cancels the COPY")
        #expect(await session.execute(#"CopyData "1\n""#) == .done)
        #expect(await session.execute("CopyDone") == .done)
        let short = Task { await session.execute("\\wait 100") }
        #expect(await short.value == .done)
        await session.receive(Self.arrival(.commandComplete(CommandComplete(tag: "COPY 1"))))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
    }

    /// A COPY started by Execute ignores the Sync sent behind it before CopyDone, as the server does: the Sync
    /// after CopyDone is the one answered.
    @Test func aCopyIgnoresTheSyncsSentDuringIt() async {
        let (session, _, _) = Self.makeSession()
        for line in [#"Parse "copy c from stdin""#, "Bind", "Execute", "Sync"] {
            #expect(await session.execute(line) == .done)
        }
        await session.receive(Self.arrival(.parseComplete))
        await session.receive(Self.arrival(.bindComplete))
        await session.receive(Self.arrival(.copyInResponse(CopyResponse(format: 0, columnFormats: [.text]))))
        #expect(await session.execute("\\wait") == .done)
        #expect(await session.execute("CopyDone") == .done)
        #expect(await session.execute("Sync") == .done)
        await session.receive(Self.arrival(.commandComplete(CommandComplete(tag: "COPY 0"))))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute("\\wait") == .done)
        #expect(await session.isWaitingForReady == false)
    }

    /// CopyBothResponse (streaming replication): `\wait` stops there too.
    @Test func waitStopsAtCopyBoth() async {
        let (session, _, printed) = Self.makeSession(timeout: .seconds(20))
        #expect(await session.execute(#"Query "START_REPLICATION SLOT s LOGICAL 0/0""#) == .done)
        await session.receive(Self.arrival(.copyBothResponse(CopyResponse(format: 0, columnFormats: []))))
        #expect(await session.execute("\\wait") == .done)
        #expect(
            printed.withLockedValue { $0.last }?.hasPrefix("-- the server streams CopyData (CopyBothResponse)") == true)
    }
}
