import Foundation
import PostgresTestSupport
import PostgresWire
import Testing

/// Real PostgreSQL clients talk to a real server through a recording relay; every captured
/// connection must decode, re-encode byte-exactly and decode identically however it is chunked.
@Suite(.postgresServer(.captureTests), .timeLimit(.minutes(3)))
struct RealClientCaptureTests {
    @Test("psql: COPY, large objects, errors, notices, LISTEN/NOTIFY, \\copy, multi-statement query")
    func psqlScript() async throws {
        let server = try PostgresServerTrait.server()
        var output = ""
        let captures = try await CaptureSession.record(server: server) { session in
            let directory = session.workingDirectory
            try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                .write(to: directory.appending(path: "lo-input.bin"))
            try "10,ten\n11,eleven\n12,\"twelve, quoted\"\n".write(
                to: directory.appending(path: "copy-input.csv"), atomically: true, encoding: .utf8)
            let script = try CaptureSession.clientScript("psql-scenario.sql")
            output = try await session.psql(["-f", script.path]).runExpectingSuccess("psql scenario").standardOutput
        }
        #expect(output.contains("Asynchronous notification \"capture_channel\" with payload \"capture payload\""))

        let transcript = try await CaptureVerifier.verify(captures, scenario: "psql")
        transcript.expectMessages(
            ["SSLRequest", "StartupMessage", "Query", "CopyData", "CopyDone", "FunctionCall", "Terminate"],
            from: .frontend)
        transcript.expectMessages(
            [
                "SSLResponse", "AuthenticationOk", "ParameterStatus", "BackendKeyData", "ReadyForQuery",
                "RowDescription", "DataRow", "CommandComplete", "CopyInResponse", "CopyOutResponse", "CopyData",
                "CopyDone", "FunctionCallResponse", "ErrorResponse", "NoticeResponse", "NotificationResponse",
            ],
            from: .backend)
        transcript.expectError(sqlState: "42P01")
        transcript.expectError(sqlState: "22012")
        #expect(transcript.noticeResponses.contains { $0.message == "capture notice 42" })
        #expect(
            transcript.messages(.backend).contains { $0.message == .backend(.sslResponse(accepted: false)) },
            "the server has ssl=off, so the SSLRequest must be refused with 'N'")
    }

    @Test("pgbench: initialization, then simple, extended and prepared query modes")
    func pgbench() async throws {
        let server = try PostgresServerTrait.server()
        let database = "capture_pgbench"
        try await server.runAdministrativeSQL("CREATE DATABASE \(database)")

        let initialization = try await CaptureSession.record(server: server) { session in
            try await session.postgresClient(
                "pgbench", ["-i", "-s", "1", "-q"], database: database, timeout: .seconds(120)
            )
            .runExpectingSuccess("pgbench -i")
        }
        let initialized = try await CaptureVerifier.verify(initialization, scenario: "pgbench -i")
        initialized.expectMessages(["StartupMessage", "Query", "CopyData", "CopyDone"], from: .frontend)
        initialized.expectMessages(["CopyInResponse", "CommandComplete", "ReadyForQuery"], from: .backend)

        for mode in ["simple", "extended", "prepared"] {
            let captures = try await CaptureSession.record(server: server) { session in
                try await session.postgresClient("pgbench", ["-t", "20", "-c", "2", "-M", mode], database: database)
                    .runExpectingSuccess("pgbench -M \(mode)")
            }
            let transcript = try await CaptureVerifier.verify(captures, scenario: "pgbench -M \(mode)")
            switch mode {
            case "simple":
                transcript.expectMessages(["Query"], from: .frontend)
                transcript.expectNoMessages(["Parse", "Bind", "Execute"], from: .frontend)
            case "extended":
                transcript.expectMessages(["Parse", "Bind", "Describe", "Execute", "Sync"], from: .frontend)
                transcript.expectMessages(["ParseComplete", "BindComplete", "CommandComplete"], from: .backend)
            default:
                transcript.expectMessages(["Parse", "Bind", "Execute", "Sync"], from: .frontend)
                let parses = transcript.messages(.frontend).filter { $0.message.typeName == "Parse" }.count
                let binds = transcript.messages(.frontend).filter { $0.message.typeName == "Bind" }.count
                #expect(parses < binds, "prepared mode parses each statement once per connection and binds it often")
            }
        }
    }

    @Test("psycopg: parameters, pipeline mode, COPY in and out, and a cancel request")
    func psycopg() async throws {
        let server = try PostgresServerTrait.server()
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.pythonClient("psycopg_scenario.py", requiring: ["psycopg"])
                .runExpectingSuccess("psycopg scenario")
        }
        let transcript = try await CaptureVerifier.verify(captures, scenario: "psycopg")
        transcript.expectMessages(
            [
                "SSLRequest", "StartupMessage", "Parse", "Bind", "Describe", "Execute", "Sync", "CopyData", "CopyDone",
                "CancelRequest", "Terminate",
            ],
            from: .frontend)
        transcript.expectMessages(
            ["ParseComplete", "BindComplete", "CopyInResponse", "CopyOutResponse", "CopyData", "CopyDone"],
            from: .backend)
        transcript.expectError(sqlState: "57014")
        #expect(
            transcript.connections.contains { $0.typeNames(.frontend) == ["CancelRequest"] },
            "the cancel must arrive on a connection of its own. Transcript:\n\(transcript)")
        #expect(
            transcript.connections.contains { Self.mostExecutesBeforeSync($0.typeNames(.frontend)) >= 2 },
            "pipeline mode must send several Executes before one Sync. Transcript:\n\(transcript)")
    }

    @Test("asyncpg: parameters, prepared statement, binary COPY and executemany")
    func asyncpg() async throws {
        let server = try PostgresServerTrait.server()
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.pythonClient("asyncpg_scenario.py", requiring: ["asyncpg"])
                .runExpectingSuccess("asyncpg scenario")
        }
        let transcript = try await CaptureVerifier.verify(captures, scenario: "asyncpg")
        transcript.expectMessages(
            ["SSLRequest", "StartupMessage", "Parse", "Describe", "Bind", "Execute", "Sync", "CopyData", "CopyDone"],
            from: .frontend)
        transcript.expectMessages(
            ["SSLResponse", "ParameterDescription", "RowDescription", "DataRow", "CopyInResponse"], from: .backend)
    }

    @Test("pg8000: parameterized queries as a trusted user and as a SCRAM user")
    func pg8000() async throws {
        let server = try PostgresServerTrait.server()
        let role = PasswordRole.scram
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.pythonClient("pg8000_scenario.py", [role.name, role.password], requiring: ["pg8000"])
                .runExpectingSuccess("pg8000 scenario")
        }
        let transcript = try await CaptureVerifier.verify(captures, scenario: "pg8000")
        transcript.expectMessages(
            ["StartupMessage", "Parse", "Bind", "Execute", "Sync", "SASLInitialResponse", "SASLResponse", "Terminate"],
            from: .frontend)
        transcript.expectMessages(
            [
                "AuthenticationSASL", "AuthenticationSASLContinue", "AuthenticationSASLFinal", "AuthenticationOk",
                "ParseComplete", "BindComplete", "DataRow",
            ],
            from: .backend)
    }

    @Test("password logins: the right password, then a wrong one", arguments: PasswordRole.all)
    func passwordLogin(role: PasswordRole) async throws {
        let server = try PostgresServerTrait.server()
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.psql(["-c", "SELECT current_user"], user: role.name, password: role.password)
                .runExpectingSuccess("psql as \(role.name)")
            let rejected = try await session.psql(
                ["-c", "SELECT current_user"], user: role.name, password: "wrong-\(role.password)"
            ).run()
            #expect(!rejected.succeeded, "a wrong password must be rejected: \(rejected)")
        }
        let transcript = try await CaptureVerifier.verify(captures, scenario: "login as \(role)")
        #expect(captures.count == 2, "one connection per login attempt. Transcript:\n\(transcript)")
        guard transcript.connections.count == 2 else { return }

        let accepted = ScenarioTranscript(scenario: "\(role) accepted", connections: [transcript.connections[0]])
        let rejected = ScenarioTranscript(scenario: "\(role) rejected", connections: [transcript.connections[1]])
        for attempt in [accepted, rejected] {
            attempt.expectMessages(["SSLRequest", "StartupMessage"] + role.clientMessages, from: .frontend)
            attempt.expectMessages(["SSLResponse"] + role.serverChallenges, from: .backend)
        }
        accepted.expectMessages(["AuthenticationOk", "ReadyForQuery"], from: .backend)
        if role.hbaMethod == "scram-sha-256" {
            accepted.expectMessages(["AuthenticationSASLFinal"], from: .backend)
        }
        rejected.expectNoMessages(["AuthenticationOk"], from: .backend)
        rejected.expectError(sqlState: "28P01")
    }

    @Test("logical replication: pg_recvlogical creates a slot and streams changes over CopyBoth")
    func logicalReplication() async throws {
        let server = try PostgresServerTrait.server()
        let database = "capture_logical"
        let slot = "capture_slot"
        try await server.runAdministrativeSQL("CREATE DATABASE \(database)")
        var decodedChanges = ""
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.postgresClient(
                "pg_recvlogical", ["--create-slot", "-d", database, "-S", slot, "-P", "test_decoding"],
                database: database
            ).runExpectingSuccess("pg_recvlogical --create-slot")
            try await session.psql(
                [
                    "-v", "ON_ERROR_STOP=1", "-c",
                    """
                    CREATE TABLE logical_items (id integer PRIMARY KEY, name text);
                    INSERT INTO logical_items VALUES (1, 'one'), (2, 'two');
                    UPDATE logical_items SET name = 'uno' WHERE id = 1;
                    DELETE FROM logical_items WHERE id = 2;
                    """,
                ],
                database: database
            ).runExpectingSuccess("psql changes")
            let endPosition = try await server.runAdministrativeSQL(
                "SELECT lsn FROM pg_logical_slot_peek_changes('\(slot)', NULL, NULL) ORDER BY lsn DESC LIMIT 1",
                database: database
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !endPosition.isEmpty else {
                throw TestSupportError.timedOut("slot \(slot) has no decoded changes to stream")
            }
            decodedChanges = try await session.postgresClient(
                "pg_recvlogical",
                ["--start", "-d", database, "-S", slot, "-f", "-", "--endpos", endPosition, "--no-loop", "-s", "1"],
                database: database, timeout: .seconds(30)
            ).runExpectingSuccess("pg_recvlogical --start").standardOutput
            try await session.postgresClient(
                "pg_recvlogical", ["--drop-slot", "-d", database, "-S", slot], database: database
            )
            .runExpectingSuccess("pg_recvlogical --drop-slot")
        }
        #expect(
            decodedChanges.contains("table public.logical_items: INSERT"), "pg_recvlogical printed: \(decodedChanges)")

        let transcript = try await CaptureVerifier.verify(captures, scenario: "logical replication")
        transcript.expectMessages(["StartupMessage", "Query", "CopyData"], from: .frontend)
        transcript.expectMessages(["CopyBothResponse", "CopyData"], from: .backend)
        let streaming = transcript.connections.filter { $0.typeNames(.backend).contains("CopyBothResponse") }
        #expect(
            streaming.contains { ["CopyData", "CopyDone"].allSatisfy($0.typeNames(.frontend).contains) },
            """
            the client must send standby status updates as CopyData inside CopyBoth, then CopyDone at --endpos. \
            Transcript:
            \(transcript)
            """)
    }

    /// The most Execute messages between two Syncs: more than one means pipelining.
    private static func mostExecutesBeforeSync(_ typeNames: [String]) -> Int {
        var most = 0
        var current = 0
        for name in typeNames {
            if name == "Execute" {
                current += 1
                most = max(most, current)
            } else if name == "Sync" {
                current = 0
            }
        }
        return most
    }
}
