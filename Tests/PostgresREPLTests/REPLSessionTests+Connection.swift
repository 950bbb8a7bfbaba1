import PostgresREPL
import Testing

/// The connection's end, as the session tells it.
extension REPLSessionTests {
    /// After the server closed the connection, a line is refused with that reason, and the end is the server's.
    @Test func linesAfterTheServerClosedAreRefused() async {
        let (session, transport, printed) = Self.makeSession()
        await session.receive(.lost("the server closed the connection unexpectedly (Connection reset by peer)"))
        await session.receive(.closed)
        #expect(
            await session.execute(#"Query "select 1""#)
                == .failed("cannot send: the server closed the connection unexpectedly (Connection reset by peer)"))
        #expect(transport.sends.isEmpty)
        #expect(
            printed.withLockedValue { $0 } == [
                "-- the server closed the connection unexpectedly (Connection reset by peer)"
            ])
    }
}
