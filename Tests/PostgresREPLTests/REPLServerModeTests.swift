import Foundation
import PostgresTestSupport
import Testing

/// `pgw repl --listen`: pgw is the server, real clients (psql, psycopg) connect and get the backend messages a script
/// types, or the answers of `\auto-startup` and `\auto-query`.
@Suite(.timeLimit(.minutes(3)))
struct REPLServerModeTests {
    /// What a `pgw repl --listen` run printed and how it ended.
    struct ServerRun {
        var status: Int32
        var standardOutput: String
        var standardError: String
        /// What the client printed.
        var client: ProcessOutcome
    }

    /// Starts `pgw repl --listen 127.0.0.1:0 --file SCRIPT` (and `arguments`), runs `client` with the port once it
    /// listens, then waits for pgw to end. Waits may take 30 s: a loaded machine can take seconds to start Python.
    static func serve(
        _ script: String, arguments: [String] = [], client: (Int) throws -> SubprocessCommand
    ) async throws -> ServerRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-repl-listen-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("script.pgw")
        try Data(script.utf8).write(to: file)
        let errors = Pipe()
        let (process, port) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            ["repl", "--listen", "127.0.0.1:0", "--file", file.path, "--timeout", "30"] + arguments,
            standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        let outcome = try await client(port).run()
        // Blocking reads and the wait happen off the cooperative pool.
        let (output, errorOutput) = try await offPool {
            let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (output, errorOutput)
        }
        return ServerRun(
            status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: errorOutput, as: UTF8.self), client: outcome)
    }

    /// psql at `port` running each of `statements` as a query of its own (or a psql meta-command).
    static func psql(_ port: Int, sslmode: String = "prefer", _ statements: String...) throws -> SubprocessCommand {
        SubprocessCommand(
            try PostgresInstallation.executableOnPath("psql"),
            ["host=127.0.0.1 port=\(port) user=alice dbname=app connect_timeout=5 sslmode=\(sslmode)", "-X"]
                + statements.flatMap { ["-c", $0] },
            timeout: .seconds(20))
    }

    /// psycopg (autocommit) at `port` printing the rows of `execution`, a Python expression on `connection`.
    static func psycopg(_ port: Int, _ execution: String) -> SubprocessCommand {
        SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                """
                import psycopg, sys
                with psycopg.connect(host="127.0.0.1", port=int(sys.argv[1]), user="alice", dbname="app",
                                     autocommit=True, connect_timeout=5) as connection:
                    print(\(execution).fetchall())
                """, "\(port)",
            ], timeout: .seconds(20))
    }

    /// A client that sends `bytes` (printf escapes) to `port` and closes.
    static func rawClient(_ port: Int, sending bytes: String) -> SubprocessCommand {
        SubprocessCommand(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", #"printf "$2" > "/dev/tcp/127.0.0.1/$1""#, "bash", "\(port)", bytes])
    }

    /// Runs `body` with `--tls-cert` and `--tls-key` options for a certificate `pgw certs generate` made.
    static func withCertificate<Result>(_ body: ([String]) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-repl-certs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generated = try await PGWExecutable.run([
            "certs", "generate", "--dir", directory.path, "--server-name", "127.0.0.1",
        ])
        try #require(generated.status == 0, "\(generated)")
        return try await body([
            "--tls-cert", directory.appendingPathComponent("server.crt").path,
            "--tls-key", directory.appendingPathComponent("server.key").path,
        ])
    }

    /// The startup a script types by hand: the SSLRequest refused, trust, a few parameters, ReadyForQuery.
    static let typedStartup = #"""
        \expect SSLRequest
        B SSLResponse N
        \expect StartupMessage user="alice" database="app"
        AuthenticationOk
        ParameterStatus server_version="15.0"
        ParameterStatus client_encoding="UTF8"
        ParameterStatus standard_conforming_strings="on"
        BackendKeyData pid=42 key=01020304
        ReadyForQuery I
        """#

    @Test func psqlReceivesTypedRows() async throws {
        let run = try await Self.serve(
            Self.typedStartup + "\n"
                + #"""
                \expect Query query="select whatever"
                RowDescription [answer int4, label text]
                DataRow ["42", "typed by hand"]
                DataRow ["43", NULL]
                DataRow ["44", "a value typed
                over two lines"]
                CommandComplete "SELECT 3"
                ReadyForQuery I
                \expect Terminate
                """#
        ) { port in try Self.psql(port, "select whatever") }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains("42 | typed by hand"), "\(run)")
        #expect(run.client.standardOutput.contains("(3 rows)"), "\(run)")
        #expect(run.client.standardOutput.contains("44 | a value typed +"), "\(run)")
        #expect(run.standardOutput.contains(#"F Query "select whatever""#), "\(run)")
        #expect(run.standardOutput.contains(#"B DataRow ["43", NULL]"#), "\(run)")
    }

    @Test func psycopgReceivesTypedExtendedQueryAnswers() async throws {
        let run = try await Self.serve(
            Self.typedStartup + "\n"
                + #"""
                \expect Parse
                \expect Bind parameters=["forty-one"]
                \expect Describe
                \expect Execute
                \expect Sync
                ParseComplete
                BindComplete
                RowDescription [answer int4]
                DataRow ["42"]
                CommandComplete "SELECT 1"
                ReadyForQuery I
                \expect Terminate
                """#
        ) { port in Self.psycopg(port, #"connection.execute("select %s as answer", ("forty-one",))"#) }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains("[(42,)]"), "\(run)")
        #expect(run.standardOutput.contains(#"F Bind portal="" statement="" parameters=["forty-one"]"#), "\(run)")
    }

    /// `\auto-startup` and `\auto-query` serve psql's simple query and psycopg's extended protocol (a binary int2
    /// parameter); what the client sent and what pgw answered for it are shown. The script ends when the client
    /// closes the connection.
    @Test(arguments: ["psql", "psycopg"])
    func automaticStartupAndQueries(client: String) async throws {
        let isPsql = client == "psql"
        let expectation =
            isPsql ? #"Query query="select 1 as one, 'two' as two""# : #"Parse query="select $1::int + 1, $2 as two""#
        let run = try await Self.serve("\\auto-startup\n\\auto-query\n\\expect " + expectation) { port in
            isPsql
                ? try Self.psql(port, "select 1 as one, 'two' as two")
                : Self.psycopg(port, #"connection.execute("select %s::int + 1, %s as two", (0, "two"))"#)
        }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains(isPsql ? "1 | two" : "[(1, 'two')]"), "\(run)")
        #expect(run.standardOutput.contains(#"F StartupMessage 3.0 user="alice" database="app""#), "\(run)")
        #expect(run.standardOutput.contains("B AuthenticationOk"), "\(run)")
        #expect(run.standardOutput.contains(#"B DataRow ["1", "two"]"#), "\(run)")
    }

    /// Standard input runs as it arrives: "listening on" comes before anything is written to it, and lines written
    /// then serve a client while standard input stays open.
    @Test func listensBeforeStandardInputEnds() async throws {
        let repl = try REPLPipedProcess(["--listen", "127.0.0.1:0", "--timeout", "30"])
        let listening = try await repl.read(until: "\n")
        let port = try #require(
            listening.hasPrefix("listening on 127.0.0.1:") ? Int(listening.dropFirst(23).dropLast()) : nil,
            "no 'listening on' before standard input ended: \(listening)")
        try repl.write("\\auto-startup")
        try repl.write("\\auto-query")
        let client = try await Self.psql(port, "select 6 * 7 as answer").run()
        #expect(client.status == 0, "\(client)")
        #expect(client.standardOutput.contains("42"), "\(client)")
        let end = try await repl.finish()
        #expect(end.status == 0, "\(end)")
        #expect(end.output.contains(#"F Query "select 6 * 7 as answer""#), "\(end)")
    }

    /// `\auto-startup` after the client's SSLRequest arrived: it answers that too, and `\expect` no longer sees it.
    @Test func automaticStartupAfterTheClientArrived() async throws {
        let run = try await Self.serve(
            #"""
            \auto-query
            \wait
            \auto-startup
            \expect Query query="select 1"
            \expect Terminate
            """#
        ) { port in try Self.psql(port, "select 1") }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.status == 0, "\(run)")
        #expect(run.standardOutput.contains("F SSLRequest\nB SSLResponse N (rejected)\n"), "\(run)")
    }

    /// A startup typed by hand, then `\auto-query` answers (with the settings the typed ParameterStatus reported).
    @Test func typedStartupThenAutomaticQueries() async throws {
        let run = try await Self.serve(
            "\\auto-query\n" + Self.typedStartup + "\n"
                + #"""
                \expect Query query="show server_version"
                \expect Query query="select 6 * 7 as answer"
                \expect Terminate
                """#
        ) { port in try Self.psql(port, "show server_version", "select 6 * 7 as answer") }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains(" 15.0"), "\(run)")
        #expect(run.client.standardOutput.contains("     42"), "\(run)")
    }

    /// With TLS options, `\auto-startup` accepts the SSLRequest and the startup continues inside TLS.
    @Test func automaticStartupOverTLS() async throws {
        let run = try await Self.withCertificate { tls in
            try await Self.serve(
                #"""
                \auto-startup
                \auto-query
                \expect Query query="select 1"
                \expect Terminate
                """#, arguments: tls
            ) { port in try Self.psql(port, sslmode: "require", "select 1", "\\conninfo") }
        }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains("SSL connection (protocol: TLSv1."), "\(run)")
        #expect(run.standardOutput.contains("B SSLResponse S (accepted)\n-- TLS handshake started\n"), "\(run)")
        #expect(run.standardOutput.contains(#"F StartupMessage 3.0 user="alice""#), "\(run)")
    }

    /// A typed `SSLResponse S` starts TLS; the rest of the exchange is typed inside it.
    @Test func typedSSLResponseStartsTLS() async throws {
        let script =
            Self.typedStartup.replacingOccurrences(of: "B SSLResponse N", with: "B SSLResponse S") + "\n"
                + #"""
                \expect Query
                RowDescription [secret text]
                DataRow ["over TLS"]
                CommandComplete "SELECT 1"
                ReadyForQuery I
                \expect Terminate
                """#
        let run = try await Self.withCertificate { tls in
            try await Self.serve(script, arguments: tls) { port in
                try Self.psql(port, sslmode: "require", "select secret")
            }
        }
        #expect(run.status == 0, "\(run)")
        #expect(run.client.standardOutput.contains("over TLS"), "\(run)")
    }

    /// Without TLS options, a typed `S` lets the client start a handshake pgw cannot answer: it says so.
    @Test func typedSSLResponseWithoutTLSOptions() async throws {
        let script = Self.typedStartup.replacingOccurrences(of: "B SSLResponse N", with: "B SSLResponse S")
        let run = try await Self.serve(script) { port in try Self.psql(port, sslmode: "require", "select 1") }
        #expect(run.status == 1, "\(run)")
        #expect(run.standardOutput.contains("give pgw repl --listen --tls-cert and --tls-key"), "\(run)")
    }

    /// A client that sends bytes no PostgreSQL client would: the REPL says why and stops; a script fails at its
    /// next `\expect`.
    @Test func undecodableClientBytesEndTheSession() async throws {
        let run = try await Self.serve(#"\expect StartupMessage"#) { port in
            Self.rawClient(port, sending: #"\x00\x00\x00\x03junk"#)
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.standardOutput.contains("-- cannot decode the client's bytes"), "\(run)")
        #expect(run.standardError.contains("script.pgw:1: expected StartupMessage; cannot decode"), "\(run)")
    }

    /// Typing to a client that has gone, or answering its startup, is an error with the reason (not "I/O on closed
    /// channel").
    @Test(arguments: [
        ("SSLResponse N", "cannot send: the client has closed the connection"),
        (#"\auto-startup"#, "cannot answer the startup: the client has closed the connection"),
    ])
    func answeringAfterTheClientLeftFails(line: String, error: String) async throws {
        let run = try await Self.serve("\\expect SSLRequest\n\\wait 300\n" + line) { port in
            Self.rawClient(port, sending: #"\x00\x00\x00\x08\x04\xd2\x16\x2f"#)
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.standardOutput.contains("-- the client closed the connection"), "\(run)")
        #expect(run.standardError.contains("script.pgw:3: \(error)"), "\(run)")
    }

    /// On a terminal, server mode says what to type, and Tab completes backend message names.
    @Test func interactiveServerModeCompletesBackendNames() async throws {
        let outcome = try await REPLBatchTests.withEmptyHome { _, environment in
            try await SubprocessCommand(
                URL(fileURLWithPath: "/usr/bin/python3"),
                [
                    "-c", REPLTerminalDriver.script, try PGWExecutable.url().path, "--listen=127.0.0.1:0", "--",
                    "--expect=pgw> ", "ReadyFor",
                    #"\t"#, #"\r"#, #"\x04"#,
                ],
                environment: environment, timeout: .seconds(30)
            ).run()
        }
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("Type backend messages in the text form"), "\(outcome)")
        // Completed on the line (libedit may redraw it with control characters in between).
        #expect(outcome.standardOutput.contains(#/ReadyFor[^\n]*Query /#), "\(outcome)")
        #expect(outcome.standardOutput.contains("cannot send: no client has connected yet"), "\(outcome)")
    }

    /// A line that cannot be sent (nobody connected yet) fails the script with its line number.
    @Test func sendingBeforeAClientConnectsFails() async throws {
        let run = try await Self.serve("ReadyForQuery I") { _ in
            SubprocessCommand(URL(fileURLWithPath: "/bin/true"), [])
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.standardError.contains("script.pgw:1: cannot send: no client has connected yet"), "\(run)")
        #expect(!run.standardOutput.contains("ReadyForQuery"), "shown as sent: \(run)")
    }

    /// A script that only answers automatically fails when the client's bytes do not decode (pgw closed the
    /// connection, not the client), and says so when no client came at all.
    @Test func automaticAnswersEndWithTheConnectionsFailure() async throws {
        let garbage = try await Self.serve(#"\auto-startup"#) { port in
            Self.rawClient(port, sending: #"\x00\x00\x00\x08\x04\xd2\x16\x2f\x00\x00\x00\x05junk"#)
        }
        #expect(garbage.status == 1, "\(garbage)")
        #expect(!garbage.standardOutput.contains("the client closed the connection"), "\(garbage)")
        #expect(garbage.standardError.contains("at the end: cannot decode the client's bytes"), "\(garbage)")
        let nobody = try await Self.serve(#"\auto-startup"#, arguments: ["--timeout", "1"]) { _ in
            SubprocessCommand(URL(fileURLWithPath: "/bin/true"), [])
        }
        #expect(nobody.status == 1, "\(nobody)")
        #expect(nobody.standardError.contains("no client connected within 1.0 seconds"), "\(nobody)")
    }
}
