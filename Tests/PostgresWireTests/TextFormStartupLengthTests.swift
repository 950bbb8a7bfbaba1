import NIOCore
import PostgresWire
import Testing

/// `length=N` on a StartupMessage: unquoted it sets the length word, as on any line; quoted (as parameters are
/// printed) it is a parameter called length.
struct TextFormStartupLengthTests {
    @Test func unquotedLengthSetsTheLengthWord() throws {
        let line = try TextFormParser(direction: .frontend).parse(#"StartupMessage user="postgres" length=3"#)
        #expect(line.bytes.getInteger(at: line.bytes.readerIndex, as: Int32.self) == 3)
        #expect(line.alterations == ["length word 3 (correct: 23)"])
        guard case .frontend(.startup(let startup))? = line.message else {
            Issue.record("\(line)")
            return
        }
        #expect(startup.parameters.map(\.name) == ["user"])
    }

    @Test func quotedLengthIsAParameter() throws {
        let line = try TextFormParser(direction: .frontend).parse(#"StartupMessage user="postgres" length="3""#)
        #expect(line.alterations.isEmpty)
        guard case .frontend(.startup(let startup))? = line.message else {
            Issue.record("\(line)")
            return
        }
        #expect(startup.parameters.map(\.name) == ["user", "length"])
    }
}
