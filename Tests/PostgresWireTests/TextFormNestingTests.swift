import PostgresWire
import Testing

/// Lists and objects nest at most ``TextFormScanner/maximumDepth`` (100) deep: a line of thousands of `[` (a
/// typed `pgw repl` line, a serve conversation line) is an error at the column of the first `[` too many, not a
/// crash of the parser's recursion.
struct TextFormNestingTests {
    @Test(arguments: [
        (MessageDirection.frontend, "Bind parameters="),
        (.backend, "DataRow "),
        (.frontend, "F Bind parameters="),
    ])
    func deepListsAreAnErrorAtTheirColumn(direction: MessageDirection, prefix: String) {
        let line = prefix + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        #expect {
            try TextFormParser(direction: direction).parse(line)
        } throws: { error in
            guard let error = error as? TextFormError else { return false }
            #expect(error.column == prefix.count + 100)
            #expect(error.reason == "lists and objects nest more than 100 deep")
            return true
        }
    }

    @Test func deepObjectsAreAnErrorAtTheirColumn() {
        let line =
            "Bind parameters=" + String(repeating: "{a=", count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        #expect {
            try TextFormParser(direction: .frontend).parse(line)
        } throws: { error in
            guard let error = error as? TextFormError else { return false }
            #expect(error.column == "Bind parameters=".count + 3 * 100)
            #expect(error.reason == "lists and objects nest more than 100 deep")
            return true
        }
    }

    /// 100 levels are read (what the message then makes of them is another matter).
    @Test func oneHundredLevelsAreRead() {
        let line = "DataRow " + String(repeating: "[", count: 100) + "\"1\"" + String(repeating: "]", count: 100)
        do {
            _ = try TextFormParser(direction: .backend).parse(line)
        } catch {
            #expect(!error.reason.contains("nest"), "\(error)")
        }
    }
}
