import Foundation
import PostgresProxy
import PostgresTestSupport
import Testing

/// Clients whose traffic is not plain query/answer, through `PostgresProxy`: pg_recvlogical (a `replication=database`
/// connection streaming logical changes over CopyBoth), psql LISTEN/NOTIFY and `\lo_import` (FunctionCall).
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-stream",
            hostBasedAuthentication: [
                "host all proxy_stream 127.0.0.1/32 scram-sha-256",
                "host replication proxy_stream 127.0.0.1/32 scram-sha-256",
            ],
            serverSettings: ["wal_level = logical", "max_replication_slots = 4", "max_wal_senders = 4"],
            roles: [.init(name: "proxy_stream", password: "stream-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(2))
)
struct ProxyStreamingClientTests {
    @Test func pgRecvlogicalStreamsChangesOverCopyBoth() async throws {
        let server = try PostgresServerTrait.server()
        try await server.runAdministrativeSQL("ALTER ROLE proxy_stream REPLICATION")
        try await server.runAdministrativeSQL("CREATE DATABASE proxy_logical OWNER proxy_stream")
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let connection = "host=127.0.0.1 port=\(harness.port) user=proxy_stream dbname=proxy_logical"
        let slot = "proxy_slot"
        let created = try await run(
            "pg_recvlogical", ["--create-slot", "-d", connection, "-S", slot, "-P", "test_decoding"], server)
        #expect(created.succeeded, "\(created)")
        let changes = try await run(
            "psql",
            [
                "-X", "-v", "ON_ERROR_STOP=1", connection, "-c",
                "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one'), (2, 'two');",
            ], server)
        #expect(changes.succeeded, "\(changes)")
        let end = try await server.runAdministrativeSQL(
            "SELECT lsn FROM pg_logical_slot_peek_changes('\(slot)', NULL, NULL) ORDER BY lsn DESC LIMIT 1",
            database: "proxy_logical"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let streamed = try await run(
            "pg_recvlogical",
            ["--start", "-d", connection, "-S", slot, "-f", "-", "--endpos", end, "--no-loop", "-s", "1"], server)
        let dropped = try await run("pg_recvlogical", ["--drop-slot", "-d", connection, "-S", slot], server)
        let log = try await harness.stop()
        #expect(streamed.succeeded, "\(streamed)")
        #expect(
            streamed.standardOutput.contains("table public.items: INSERT: id[integer]:2 name[text]:'two'"),
            "\(streamed)")
        #expect(dropped.succeeded, "\(dropped)")
        #expect(log.contains { $0.contains("F StartupMessage") && $0.contains("replication=\"database\"") }, "\(log)")
        #expect(log.contains { $0.contains("F Query \"CREATE_REPLICATION_SLOT") }, "\(log)")
        #expect(log.contains { $0.contains("B CopyBothResponse") }, "\(log)")
        #expect(log.contains { $0.contains("B CopyData") } && log.contains { $0.contains("F CopyData") }, "\(log)")
    }

    @Test func listenNotifyAndLargeObjectImportWork() async throws {
        let server = try PostgresServerTrait.server()
        let file = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-lo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0x5A, count: 100_000).write(to: file)
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let script = """
            LISTEN proxy_channel;
            NOTIFY proxy_channel, 'through the proxy';
            \\lo_import '\(file.path)'
            SELECT length(lo_get(:LASTOID)) AS imported;
            SELECT lo_unlink(:LASTOID);

            """
        let session = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_stream", password: "stream-Secret", script: script, server: server)
        let log = try await harness.stop()
        #expect(session.succeeded, "\(session)")
        #expect(
            session.standardOutput.contains(
                "Asynchronous notification \"proxy_channel\" with payload \"through the proxy\" received"),
            "\(session)")
        #expect(session.standardOutput.contains("lo_import "), "\(session)")
        #expect(session.standardOutput.contains("  100000\n"), "\(session)")
        #expect(log.contains { $0.contains("B NotificationResponse") }, "\(log)")
        #expect(log.contains { $0.contains("F FunctionCall") }, "\(log)")
        #expect(log.contains { $0.contains("B FunctionCallResponse") }, "\(log)")
    }

    private func run(_ program: String, _ arguments: [String], _ server: PostgresServerFixture) async throws
        -> ProcessOutcome
    {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "stream-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        return try await SubprocessCommand(
            try server.installation.executable(program), arguments, environment: environment, timeout: .seconds(30)
        ).run()
    }
}
