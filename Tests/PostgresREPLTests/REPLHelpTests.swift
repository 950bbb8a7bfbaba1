import PostgresREPL
import PostgresWire
import Testing

/// `\help`, Tab completion and line continuation, without a terminal.
struct REPLHelpTests {
    /// Every message type of both sides has fields and an example, and the example parses into that type.
    @Test(arguments: [MessageDirection.frontend, .backend])
    func everyMessageHasHelpWithAWorkingExample(direction: MessageDirection) throws {
        for name in TextFormParser.typeNames(of: direction) {
            let help = try #require(REPLHelp.text(for: name, direction: direction), "no help for \(name)")
            let example = try #require(help.split(separator: "\n").last?.split(separator: "example: ").last)
            let line = try TextFormParser(direction: direction).parse(String(example))
            #expect(line.message?.typeName == name, "\(name)'s example is a \(line.message?.typeName ?? "?")")
        }
    }

    @Test func helpNamesTheOtherSidesMessages() throws {
        let overview = try #require(REPLHelp.text(for: nil, direction: .backend))
        #expect(overview.contains("Backend messages"))
        #expect(overview.contains("RowDescription"))
        #expect(!overview.contains("PasswordMessage"))
        let rows = try #require(REPLHelp.text(for: "rowdescription", direction: .frontend))
        #expect(rows.hasPrefix("RowDescription [NAME TYPE, …]"))
        #expect(rows.contains("(a backend message: server mode)"))
        #expect(REPLHelp.text(for: "\\auto-query")?.contains("server mode") == true)
    }

    @Test func completionOffersNamesFieldsAndWords() {
        func complete(_ line: String, direction: MessageDirection = .frontend) -> [String] {
            let start = line.lastIndex(of: " ").map { line.utf8.distance(from: line.startIndex, to: $0) + 1 } ?? 0
            let word = String(line.utf8.dropFirst(start))!
            return REPLCompletion.candidates(for: word, at: start, in: line, direction: direction)
        }
        #expect(complete("Que") == ["Query"])
        #expect(complete("\\he") == ["\\help", "\\hex"])
        #expect(complete("Ready", direction: .backend) == ["ReadyForQuery"])
        #expect(
            complete("Bind ") == ["portal=", "statement=", "parameters=", "formats=", "results=", "count=", "length="])
        #expect(complete("Bind portal=\"p\" st") == ["statement="])
        #expect(complete("F execute m") == ["maxRows="])
        #expect(complete("BackendKeyData p", direction: .backend) == ["pid="])
        #expect(complete("\\expect Row") == ["RowDescription"])
        #expect(complete("\\help CopyD") == ["CopyData", "CopyDone"], "both sides' CopyData, offered once")
        #expect(complete("\\format j") == ["json"])
        #expect(complete("\\set autosend o") == ["on", "off"])
        #expect(complete("Frobnicate x").isEmpty)
    }

    @Test func linesContinueInsideQuotedStrings() {
        #expect(REPLSession.continuesOnNextLine(#"Query "select 'a"#))
        #expect(!REPLSession.continuesOnNextLine(#"Query "select 1""#))
        #expect(REPLSession.continuesOnNextLine(#"Query "a \" still inside"#))
        #expect(!REPLSession.continuesOnNextLine(#"Query "a \\" outside"#))
        #expect(!REPLSession.continuesOnNextLine(#"# a comment with " one quote"#))
        #expect(!REPLSession.continuesOnNextLine(#"07:16:36.970001 #1 -- a note with " one quote"#))
        #expect(!REPLSession.continuesOnNextLine(#"\expect DataRow columns=["1"]"#))
    }
}
