import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// How the session words a failed `\expect`, a bad `\expect` line, an unanswered StartupMessage and `\help wait`.
extension REPLSessionTests {
    @Test func aMismatchShowsTheValueInTheTextForm() async {
        let (session, _, _) = Self.makeSession()
        await session.receive(Self.arrival(.dataRow(DataRow(columns: [ByteBuffer(string: "1"), nil]))))
        let outcome = await session.execute(#"\expect DataRow columns=["2", NULL]"#)
        #expect(
            outcome
                == .failed(
                    #"expected DataRow columns=["2", NULL]; received B DataRow ["1", NULL] (columns is ["1", NULL])"#))
    }

    @Test func aBadExpectLineIsShownWhole() async {
        let (session, _, _) = Self.makeSession()
        let outcome = await session.execute(#"\expect DataRow columns=["2""#)
        guard case .failed(let reason) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(reason.hasPrefix(#"\expect DataRow columns=["2""# + "\n" + String(repeating: " ", count: 24) + "^"))
    }

    @Test func anUnansweredStartupIsNamed() async {
        let (session, _, _) = Self.makeSession()
        #expect(await session.execute(#"StartupMessage user="x""#) == .done)
        #expect(
            await session.execute("\\wait")
                == .failed("no ReadyForQuery within 0.2 seconds: 1 StartupMessage is still unanswered"))
    }

    @Test func helpNamesMetaCommandsWithoutTheBackslash() async {
        let (session, _, printed) = Self.makeSession()
        #expect(await session.execute("\\help wait") == .done)
        #expect(await session.execute("\\help") == .done)
        let lines = printed.withLockedValue { $0 }
        #expect(lines.first?.hasPrefix("\\wait [MS]") == true, "\(lines)")
        #expect(lines.last?.contains("\\wait [MS]") == true, "\(lines)")
    }
}
