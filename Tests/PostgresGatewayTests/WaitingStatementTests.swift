import NIOCore
import PostgresWire
import Testing

@testable import PostgresGateway

/// Statements that keep a session waiting, without I/O: scripted delays (finished or cancelled), COPY FROM STDIN
/// and rules that close the connection.
struct WaitingStatementTests {

    static func session() throws -> QuerySession {
        QuerySession(responder: try MockScriptTests.responder(ServeWaitingStatementTests.script))
    }

    static func error(_ replies: [BackendMessage]) -> DiagnosticMessage? {
        for case .errorResponse(let diagnostic) in replies { return diagnostic }
        return nil
    }

    @Test func aDelayedStatementWaitsThenAnswersAndTheQueryGoesOn() throws {
        var session = try Self.session()
        #expect(session.handle(.query(Query("select 1; select pg_sleep(5); select 2"))).count == 3)
        #expect(session.pendingDelay == .seconds(5) && !session.isAnsweringSimpleQuery)
        let answer = session.finishDelay()
        #expect(answer.last == .commandComplete(CommandComplete(tag: "SELECT 1")) && answer.count == 3)
        #expect(session.pendingDelay == nil && session.isAnsweringSimpleQuery)
        let rest = session.continueSimpleQuery(maximumStatements: .max)
        #expect(rest.last == .readyForQuery(.idle) && rest.count == 4)
    }

    @Test func aCancelledDelayFailsWith57014AndTheSessionGoesOn() throws {
        var session = try Self.session()
        _ = session.handle(.query(Query("begin")))
        #expect(session.handle(.query(Query("select pg_sleep(5); select 2"))) == [])
        let cancelled = session.cancelStatement()
        #expect(Self.error(cancelled)?.sqlState == "57014")
        #expect(Self.error(cancelled)?.message == "canceling statement due to user request")
        #expect(cancelled.last == .readyForQuery(.failed) && !session.isAnsweringSimpleQuery)
        #expect(session.cancelStatement() == [])
        #expect(session.handle(.query(Query("rollback"))).last == .readyForQuery(.idle))
        // In the extended protocol: the Execute waits; cancelled, the error skips until Sync.
        _ = session.handle(.parse(Parse(query: "select pg_sleep(5)")))
        _ = session.handle(.bind(Bind()))
        #expect(session.handle(.describe(.portal(""))).count == 1)
        #expect(session.handle(.execute(Execute())) == [] && session.pendingDelay == .seconds(5))
        #expect(Self.error(session.cancelStatement())?.sqlState == "57014")
        #expect(session.handle(.execute(Execute())) == [])
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
        // Not cancelled: the rows after the delay.
        _ = session.handle(.bind(Bind()))
        #expect(session.handle(.execute(Execute())) == [])
        #expect(session.finishDelay().last == .commandComplete(CommandComplete(tag: "SELECT 1")))
    }

    @Test func copyFromStdinCountsRowsUntilCopyDone() throws {
        var session = try Self.session()
        #expect(
            session.handle(.query(Query("copy items (id, name) from stdin; select 1"))) == [
                .copyInResponse(CopyResponse(format: 0, columnFormats: [.text, .text]))
            ])
        #expect(session.isReceivingCopyData)
        for chunk in ["1\ta\n2", "\tb\n", "3\tc\n\\.\n", "ignored\n"] {
            #expect(session.handle(.copyData(CopyData(data: ByteBuffer(string: chunk)))) == [])
        }
        #expect(session.handle(.sync) == [] && session.handle(.flush) == [])
        let done = session.handle(.copyDone)
        #expect(done == [.commandComplete(CommandComplete(tag: "COPY 3"))] && session.isAnsweringSimpleQuery)
        #expect(session.continueSimpleQuery(maximumStatements: .max).last == .readyForQuery(.idle))
        // Without the end marker, a last line without a line feed counts.
        _ = session.handle(.query(Query("COPY items FROM STDIN")))
        _ = session.handle(.copyData(CopyData(data: ByteBuffer(string: "1\n2"))))
        #expect(session.handle(.copyDone) == [.commandComplete(CommandComplete(tag: "COPY 2")), .readyForQuery(.idle)])
    }

    @Test func copyRowsAreCountedInEachFormatAcrossMessageBoundaries() throws {
        /// The `COPY n` tag after sending `chunks` for `statement`, or the error's SQLSTATE.
        func outcome(_ statement: String, _ chunks: [[UInt8]]) -> String {
            var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "16"))
            var replies = session.handle(.query(Query(statement)))
            for chunk in chunks where session.isReceivingCopyData {
                replies = session.handle(.copyData(CopyData(data: ByteBuffer(bytes: chunk))))
            }
            if session.isReceivingCopyData { replies = session.handle(.copyDone) }
            if let error = Self.error(replies) { return error.sqlState ?? "no SQLSTATE" }
            guard case .commandComplete(let complete) = replies.first else { return "\(replies)" }
            return complete.tag
        }
        func bytes(_ text: String) -> [[UInt8]] { text.utf8.map { [$0] } }  // one byte per message
        let custom = "copy t from stdin with (format csv, quote '|', escape '!')"
        #expect(outcome(custom, bytes("|a\n!|b|\n|c|\n")) == "COPY 2")
        #expect(outcome("copy t from stdin with csv header quote as ''''", bytes("h\n'x\ny'\n\\.\nz\n")) == "COPY 1")
        #expect(outcome("copy t from stdin (header false, format csv)", bytes("a\n\"\"\"\n\"\n")) == "COPY 2")
        #expect(outcome("copy t from stdin (format text, header)", bytes("h\na\\\nb\n\\.\r\nc\n")) == "COPY 1")
        let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xAB, 0xCD]
        let tuple: [UInt8] = [0, 2, 0, 0, 0, 1, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF]  // two fields: "\n", NULL
        let binary = signature + tuple + [0, 0] + tuple + [0xFF, 0xFF]
        #expect(outcome("copy t from stdin (format binary)", [binary]) == "COPY 3")
        #expect(outcome("copy t from stdin with binary", binary.map { [$0] }) == "COPY 3")
        #expect(outcome("copy t from stdin with binary", [signature + tuple]) == "COPY 1")  // no trailer: accepted
        #expect(outcome("copy t from stdin with binary", [signature + tuple.dropLast()]) == "22P04")
        #expect(outcome("copy t from stdin with binary", [binary + [0]]) == "22P04")
        #expect(outcome("copy t from stdin with binary", [Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 1]]) == "22P04")
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "16"))
        #expect(
            session.handle(.query(Query("copy t (a, b) from stdin binary"))) == [
                .copyInResponse(CopyResponse(format: 1, columnFormats: [.binary, .binary]))
            ])
    }

    @Test func copyFailAndStrayMessagesFailTheCopy() throws {
        var session = try Self.session()
        _ = session.handle(.query(Query("copy items from stdin")))
        let failed = session.handle(.copyFail(CopyFail(message: "user gave up")))
        #expect(Self.error(failed)?.sqlState == "57014")
        #expect(Self.error(failed)?.message == "COPY from stdin failed: user gave up")
        #expect(failed.last == .readyForQuery(.idle) && !session.isReceivingCopyData)
        #expect(session.handle(.copyData(CopyData(data: ByteBuffer(string: "late\n")))) == [])
        _ = session.handle(.query(Query("copy items from stdin")))
        let stray = session.handle(.query(Query("select 1")))
        #expect(Self.error(stray)?.sqlState == "08P01")
        #expect(Self.error(stray)?.message == "unexpected message type 0x51 during COPY from stdin")
        // Extended protocol: Execute starts the copy, a Sync in between is ignored, CopyDone completes it.
        _ = session.handle(.parse(Parse(query: "copy items from stdin")))
        _ = session.handle(.bind(Bind()))
        #expect(
            session.handle(.execute(Execute())).first == .copyInResponse(CopyResponse(format: 0, columnFormats: [])))
        #expect(session.handle(.sync) == [])
        _ = session.handle(.copyData(CopyData(data: ByteBuffer(string: "x\n"))))
        #expect(session.handle(.copyDone) == [.commandComplete(CommandComplete(tag: "COPY 1"))])
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
        // Without a script, a COPY FROM STDIN takes the data too, unless unmatched statements are errors.
        var plain = QuerySession(responder: ServerEmulationResponder(serverVersion: "16"))
        #expect(plain.handle(.query(Query("copy t (a, b) from stdin with (format csv)"))).count == 1)
        #expect(plain.isReceivingCopyData)
        var strict = QuerySession(responder: ServerEmulationResponder(serverVersion: "16", unmatched: .error))
        #expect(Self.error(strict.handle(.query(Query("copy t from stdin"))))?.sqlState == "0A000")
    }

    @Test func closingRulesAnswerOrNotThenClose() throws {
        var session = try Self.session()
        #expect(session.handle(.query(Query("select crash(); select 1"))) == [] && session.closesConnection)
        var other = try Self.session()
        let goodbye = other.handle(.query(Query("select goodbye()")))
        #expect(Self.error(goodbye)?.sqlState == "57P01" && goodbye.count == 1 && other.closesConnection)
    }

    @Test(arguments: [
        ("5s", TimeAmount.seconds(5)), ("250ms", .milliseconds(250)), ("1.5", .milliseconds(1_500)),
        ("2min", .seconds(120)), ("10 us", .microseconds(10)),
    ])
    func delaysAreRead(text: String, amount: TimeAmount) throws {
        let script = try MockScript(yaml: "rules:\n  - match: select 1\n    delay: \(text)\n")
        #expect(script.rules.first?.delay == amount)
    }

    @Test(arguments: ["5 days", "-1s", "25h", "s", "1e3s"])
    func badDelaysAreErrors(text: String) {
        #expect(throws: ScriptError.self) { try MockScript(yaml: "rules:\n  - match: select 1\n    delay: \(text)\n") }
    }
}
