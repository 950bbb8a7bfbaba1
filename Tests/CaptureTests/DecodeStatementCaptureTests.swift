import Foundation
import PostgresTestSupport
import Testing

extension RealClientCaptureTests {
    /// pg8000 runs a statement on the unnamed statement in three round trips (Parse/Sync, Describe/Sync,
    /// Bind/Execute/Sync); psycopg sends a pipeline of three statements before one Sync.
    private static let statementsProgram = """
        import sys, pg8000.native, psycopg
        port = int(sys.argv[1])
        c = pg8000.native.Connection("postgres", host="127.0.0.1", port=port)
        c.run("select :a::int, :b", a=5, b='x')
        c.close()
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            with conn.pipeline():
                for n in range(3):
                    conn.execute("select %s::int as pipelined", (n,))
        """

    @Test("decode --summary of pg8000 and a psycopg pipeline under tcpdump: a statement per Execute, with its text")
    func statementsOfRealDrivers() async throws {
        let server = try PostgresServerTrait.server()
        let pcap = FileManager.default.temporaryDirectory.appending(path: "pgw-statements-\(UUID().uuidString).pcap")
            .path
        defer { unlink(pcap) }
        let python = try PostgresInstallation.executableOnPath("python3")
        let tcpdump = try await TCPDumpRecording(port: server.port, path: pcap)
        let run = try await SubprocessCommand(
            python, ["-c", Self.statementsProgram, String(server.port)], timeout: .seconds(60)
        ).run()
        try await tcpdump.stop()
        #expect(run.succeeded, "pg8000 and psycopg: \(run)")

        let outcome = try await PGWExecutable.run([
            "decode", pcap, "--port", String(server.port), "--summary", "--format", "json",
        ])
        #expect(outcome.succeeded, "\(outcome)")
        let objects = try outcome.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        func lines(_ key: String, connection: Int) -> [[String: Any]] {
            objects.filter { $0[key] != nil && $0["connection"] as? Int == connection }
        }
        // Other tests use the server meanwhile: the drivers' connections are found by their statements' text.
        func connection(running text: String) -> Int? {
            objects.first { $0["statement"] as? String == text && $0["connection"] != nil }?["connection"] as? Int
        }
        let pg8000 = try #require(connection(running: "select $1::int, $2"), "\(objects)")
        #expect(lines("statements", connection: pg8000).map { $0["statements"] as? Int } == [1], "\(objects)")
        #expect(
            lines("slowest", connection: pg8000).map { $0["statement"] as? String } == ["select $1::int, $2"],
            "\(objects)")
        let psycopg = try #require(connection(running: "select $1::int as pipelined"), "\(objects)")
        #expect(lines("statements", connection: psycopg).map { $0["statements"] as? Int } == [3], "\(objects)")
        #expect(
            lines("slowest", connection: psycopg).map { $0["statement"] as? String }
                == Array(repeating: "select $1::int as pipelined", count: 3), "\(objects)")
    }
}
