import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` out of file descriptors: accepting pauses (the listening socket stays readable, so retrying at
/// once would spin the event loop at full CPU), each failure is logged as pgbouncer logs it, and clients are served
/// again once descriptors are free. `pgw proxy` listens through the same server.
@Suite(.timeLimit(.minutes(3)))
struct ServeAcceptBackoffTests {
    /// The CPU time (user and system, in clock ticks) process `pid` has used.
    static func cpuTicks(of pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The fields after the command name in parentheses; utime and stime are the 14th and 15th fields.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return Int(fields[11])! + Int(fields[12])!
    }

    @Test func runningOutOfFileDescriptorsPausesAcceptingAndLogsIt() async throws {
        let errors = Pipe()
        let (process, port) = try await ListeningProcess.start(
            URL(fileURLWithPath: "/bin/bash"),
            [
                "-c", #"ulimit -n 64 && exec "$0" serve --port 0 --log-level warning"#,
                try PGWExecutable.url().path,
            ], standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        // 120 clients hold their connections for 4 s: more than the 64 descriptors the server may open.
        let holders = SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                """
                import socket, sys, time
                held = [socket.create_connection(('127.0.0.1', int(sys.argv[1]))) for _ in range(120)]
                time.sleep(4)
                """, "\(port)",
            ], timeout: .seconds(30))
        async let holding = holders.run()
        try await Task.sleep(for: .seconds(1))
        let before = try Self.cpuTicks(of: process.processIdentifier)
        try await Task.sleep(for: .seconds(2))
        let used = try Self.cpuTicks(of: process.processIdentifier) - before
        // A spinning event loop burns about 200 ticks in 2 s.
        #expect(used < 60, "\(used) clock ticks of CPU in 2 s while out of descriptors")
        let held = try await holding
        #expect(held.succeeded, "\(held)")
        // Descriptors are free again: a client is served (after the pause of at most a second).
        let psql = try await ServeStackTests.run("psql", ["-X", "-tA", "-c", "select 1"], port: port)
        #expect(psql.standardOutput == "1\n", "\(psql)")
        process.terminate()
        let log = try await offPool {
            String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let failures = log.split(separator: "\n").filter { $0.contains("accept() failed: Too many open files") }
        #expect(!failures.isEmpty, "\(log)")
        // Once per pause (a second), not once per attempt.
        #expect(failures.count <= 8, "\(log)")
    }
}
