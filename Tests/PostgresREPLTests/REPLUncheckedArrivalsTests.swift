import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// Arrivals nobody `\expect`s are kept up to 64 MiB: a long session keeps a bounded tail, and an `\expect` after
/// dropped arrivals says so rather than matching a later message.
struct REPLUncheckedArrivalsTests {
    @Test func arrivalsBeyond64MiBAreDroppedAndExpectSaysSo() async {
        let (session, _, printed) = REPLSessionTests.makeSession()
        let row = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<80 {
            await session.receive(REPLSessionTests.arrival(.copyData(CopyData(data: row))))
        }
        await session.receive(REPLSessionTests.arrival(.copyDone))
        #expect(printed.withLockedValue { $0.count } == 81)
        let outcome = await session.execute(#"\expect CopyData"#)
        guard case .failed(let reason) = outcome else {
            Issue.record("an \\expect after dropped arrivals must fail, got \(outcome)")
            return
        }
        #expect(reason.contains("earlier arrivals were not kept (over 64 MiB"), "\(reason)")
        // What was kept goes on in order.
        var taken = 1
        while await session.execute(#"\expect CopyData"#) == .done { taken += 1 }
        #expect(taken > 1 && taken < 80)
    }
}
