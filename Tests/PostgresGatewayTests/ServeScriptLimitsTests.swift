import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` with scripts that would exhaust its stack or its event loop: a SIGHUP reload of a script nested
/// thousands deep keeps the old rules (the server lives on), and a rule's regular expression that backtracks without
/// end fails that statement at its time limit while other clients are served and SIGTERM stops the server.
@Suite(.timeLimit(.minutes(3)))
struct ServeScriptLimitsTests {
    @Test func sighupOfADeeplyNestedScriptKeepsTheOldRules() async throws {
        let path = try ServeStackTests.file("app.yaml", ServeReloadTests.rules(answer: 1))
        let server = try await ServeProcess(["--script", path, "--log-level", "info"], capturingStandardError: true)
        #expect(try await ServeReloadTests.answer(port: server.port) == "1")
        let deep =
            "rules:\n  - match: \"select answer()\"\n    rows: " + String(repeating: "[", count: 5_000)
            + String(repeating: "]", count: 5_000) + "\n"
        try deep.write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(server.process.isRunning, "the reload must not kill the server")
        #expect(try await ServeReloadTests.answer(port: server.port) == "1", "the old rules stay")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(
            log.contains(
                "received SIGHUP: kept the old script: \(path):3:108: lists and mappings nest more than 100 deep"),
            "\(log)")
        #expect(server.process.terminationStatus == 0, "\(log)")
    }

    @Test func aScriptNestedTooDeepIsRefusedAtStart() async throws {
        let path = try ServeStackTests.file("deep.yaml", String(repeating: "- ", count: 50_000) + "x\n")
        let outcome = try await PGWExecutable.run(["serve", "--port", "0", "--script", path])
        #expect(outcome.status == 1 && !outcome.terminatedBySignal, "\(outcome)")
        #expect(
            outcome.standardError.contains("\(path):1:201: lists and mappings nest more than 100 deep"), "\(outcome)")
    }

    @Test func aBacktrackingRegexFailsItsStatementAndTheServerGoesOn() async throws {
        let script = """
            rules:
              - name: slow
                match: {regex: "^select (a+)+$"}
                tag: "SELECT 1"
              - match: "select answer()"
                columns: [{name: answer, type: int4}]
                rows: [[42]]
            """
        let path = try ServeStackTests.file("redos.yaml", script)
        let server = try await ServeProcess(["--script", path, "--threads", "1"], capturingStandardError: true)
        // Without the limit, the match would run for hours (psql is stopped after a minute).
        let slow = try await ServeStackTests.run(
            "psql", ["-X", "-c", "select " + String(repeating: "a", count: 40) + "b"], port: server.port)
        #expect(
            slow.standardError.contains(
                "ERROR:  the regular expression of rule 'slow' (line 2) took more than 100 ms to match this statement"),
            "\(slow)")
        #expect(slow.standardError.contains("HINT:  A pattern with nested repetition"), "\(slow)")
        #expect(try await ServeReloadTests.answer(port: server.port) == "42")
        server.send(SIGTERM)
        #expect(try await server.waitForExit(seconds: 30), "SIGTERM stops the server")
    }

    /// A client pipelining many slow statements holds its event loop for a step at a time: another client on the
    /// same loop logs in and is answered meanwhile.
    @Test func pipelinedSlowStatementsLeaveTheLoopToOtherClients() async throws {
        let script = """
            rules:
              - match: {regex: "^select (a+)+$"}
                tag: "SELECT 1"
              - match: "select answer()"
                columns: [{name: answer, type: int4}]
                rows: [[42]]
            """
        let path = try ServeStackTests.file("redos.yaml", script)
        let server = try await ServeProcess(["--script", path, "--threads", "1"])
        let client = #"""
            import socket, struct, sys, time
            def msg(t, body): return t + struct.pack('!I', len(body) + 4) + body
            def login(port):
                body = struct.pack('!I', 196608) + b'user\0alice\0database\0app\0\0'
                s = socket.create_connection(('127.0.0.1', port), timeout=60)
                s.sendall(struct.pack('!I', len(body) + 4) + body); data = b''
                while b'Z\0\0\0\5' not in data: data += s.recv(65536)
                return s
            port = int(sys.argv[1])
            slow = login(port)
            # 60 statements of about 100 ms each (their time limit): 6 s of matching.
            slow.sendall(msg(b'Q', b'select ' + b'a' * 40 + b'b\0') * 60)
            time.sleep(0.5)
            other = login(port)
            other.sendall(msg(b'Q', b'select answer()\0')); data = b''
            while b'Z\0\0\0\5' not in data: data += other.recv(65536)
            # How many of the slow statements were answered by then (all of them, had the loop been held).
            slow.setblocking(False); answers = b''
            try:
                while True:
                    chunk = slow.recv(65536)
                    if not chunk: break
                    answers += chunk
            except BlockingIOError:
                pass
            print('answered' if b'42' in data else 'unanswered', answers.count(b'Z\0\0\0\5'))
            """#
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", client, "\(server.port)"], timeout: .seconds(60)
        ).run()
        let words = outcome.standardOutput.split(whereSeparator: \.isWhitespace)
        #expect(words.first == "answered", "\(outcome)")
        // Without steps the other client waits for all 60 statements.
        #expect(words.count == 2 && (Int(words[1]) ?? 60) < 60, "\(outcome)")
    }
}
