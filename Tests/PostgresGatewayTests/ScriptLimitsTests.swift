import NIOCore
import PostgresWire
import Testing

@testable import PostgresGateway

/// Scripts that would exhaust the stack or the CPU: YAML and conversation lines nested thousands deep are errors at
/// their line and column; a rule's regular expression that backtracks without end fails the statement at its time
/// limit.
struct ScriptLimitsTests {
    @Test(arguments: [
        // Root mapping, rules list, rule mapping: the 98th `[` is the 101st collection.
        (
            "rules:\n  - match: \"select 1\"\n    rows: " + String(repeating: "[", count: 5_000)
                + String(repeating: "]", count: 5_000) + "\n", 3, 11 + 97
        ),
        (
            "rules:\n  - match: \"select 1\"\n    error: " + String(repeating: "{a: ", count: 5_000) + "1"
                + String(repeating: "}", count: 5_000) + "\n", 3, 12 + 4 * 97
        ),
        // Block sequences, each on the line of the one before.
        (String(repeating: "- ", count: 5_000) + "x\n", 1, 1 + 2 * 100),
    ])
    func deepYAMLIsAnErrorAtItsLineAndColumn(yaml: String, line: Int, column: Int) {
        let refused = #expect(throws: ScriptError.self) { try MockScript(yaml: yaml) }
        #expect(refused?.line == line && refused?.column == column, "\(String(describing: refused))")
        #expect(refused?.message == "lists and mappings nest more than 100 deep")
    }

    @Test func yamlOneHundredDeepIsRead() throws {
        let yaml = "unmatched: echo\nx: " + String(repeating: "[", count: 99) + String(repeating: "]", count: 99)
        let refused = #expect(throws: ScriptError.self) { try MockScript(yaml: yaml) }
        #expect(refused?.message.hasPrefix("unknown key 'x'") == true, "\(String(describing: refused))")
    }

    @Test func aDeepConversationLineIsAnErrorAtItsLineAndColumn() {
        let yaml =
            "conversation:\n  - F Query \"select 1\"\n  - 'B DataRow " + String(repeating: "[", count: 50_000)
            + String(repeating: "]", count: 50_000) + "'\n"
        let refused = #expect(throws: ScriptError.self) { try MockScript(yaml: yaml) }
        #expect(refused?.line == 3 && refused?.column == 5 + "B DataRow ".count + 100, "\(String(describing: refused))")
        #expect(refused?.message == "lists and objects nest more than 100 deep")
    }

    @Test func aRegexThatBacktracksWithoutEndFailsTheStatementAtItsTimeLimit() throws {
        let responder = try MockScriptTests.responder(
            """
            rules:
              - name: slow
                match: {regex: "^select (a+)+$"}
                tag: "SELECT 1"
            """)
        #expect(
            responder.outcome(of: "select aaaa", parameters: [], settings: [:]) == .command(tag: "SELECT 1"))
        let started = NIODeadline.now()
        let outcome = responder.outcome(
            of: "select " + String(repeating: "a", count: 40) + "b", parameters: [], settings: [:])
        #expect(NIODeadline.now() - started < .seconds(2))
        guard case .error(let error) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(error.sqlState == "54000")
        #expect(
            error.message
                == "the regular expression of rule 'slow' (line 2) took more than 100 ms to match this statement")
        #expect(error[.hint]?.contains("(a+)+") == true)
        // The session goes on: the next statement is answered.
        #expect(
            responder.outcome(of: "SELECT AAA", parameters: [], settings: [:]) == .command(tag: "SELECT 1"))
        // Describe (no parameters yet) takes the fallback's columns.
        _ = responder.resultColumns(of: "select " + String(repeating: "a", count: 40) + "b", settings: [:])
    }

    @Test func regexSyntaxIsCheckedWhenTheScriptIsRead() {
        let refused = #expect(throws: ScriptError.self) {
            try MockScript(yaml: "rules:\n  - match: {regex: \"select (\"}\n    tag: X\n")
        }
        #expect(refused?.line == 2 && refused?.message.hasPrefix("invalid regular expression") == true)
    }
}
