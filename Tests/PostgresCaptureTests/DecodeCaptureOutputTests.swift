import Foundation
import NIOCore
import PostgresCapture
import PostgresTestSupport
import PostgresWire
import Testing

/// What `pgw decode CAPTURE` writes and when: a live capture's messages as its packets come through a pipe, and
/// `--summary --format json`'s statement, error and slowest-statement lines.
@Suite("pgw decode's output of a capture: live from a pipe, the summary as JSON Lines")
struct DecodeCaptureOutputTests {
    typealias Scenario = CaptureScenario

    @Test("a capture read from a pipe that stays open: each message is printed once its packet is in")
    func livePipe() throws {
        var connection = SyntheticConnection.ipv4(serverPort: 55_303)
        let path = try Scenario.write(
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send(Scenario.query("select 'live'")),
            ])
        defer { unlink(path) }
        let capture = try Data(contentsOf: URL(filePath: path))

        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["decode", "-", "--port", "55303"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        try input.fileHandleForWriting.write(contentsOf: capture)

        // Read while the pipe is still open: the line must come without the end of the input.
        let descriptor = output.fileHandleForReading.fileDescriptor
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(20)
        while !String(decoding: received, as: UTF8.self).contains("select 'live'") && Date() < deadline {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        #expect(process.isRunning, "pgw ended before its input did")
        #expect(text.contains(#"#1 F Query "select 'live'""#), "\(text)")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// A capture that records nanoseconds (`tcpdump --time-stamp-precision=nano`; its pcapng, whose interface has
    /// `if_tsresol` 9) keeps them in text and JSON, as tcpdump and tshark show them; a microsecond one shows six digits.
    @Test("a capture with nanosecond times shows nine digits (pcap and pcapng, text and JSON); a microsecond one six")
    func nanosecondTimes() async throws {
        var connection = SyntheticConnection.ipv4(clientPort: 44_101)
        let segments = DecodeCaptureCommandTests.session(&connection, query: "select 'nano'")
        let nanosecondPcap = try Scenario.write(segments, resolution: .nanoseconds, offset: 123)
        let microsecondPcap = try Scenario.write(segments, resolution: .microseconds, offset: 123)
        let nanosecondPcapng = Scenario.temporaryPath("nano.pcapng")
        let microsecondPcapng = Scenario.temporaryPath("micro.pcapng")
        defer { for path in [nanosecondPcap, microsecondPcap, nanosecondPcapng, microsecondPcapng] { unlink(path) } }
        let editcap = try PostgresInstallation.executableOnPath("editcap")
        for (pcap, pcapng) in [(nanosecondPcap, nanosecondPcapng), (microsecondPcap, microsecondPcapng)] {
            let converting = try await SubprocessCommand(editcap, ["-F", "pcapng", pcap, pcapng]).run()
            #expect(converting.succeeded, "editcap (Debian wireshark-common): \(converting.standardError)")
        }
        // The Query is the sixth packet: 5 ms after the first, at 2025-12-01T03:33:20.000000123Z.
        for (path, fraction) in [
            (nanosecondPcap, "005000123"), (nanosecondPcapng, "005000123"), (microsecondPcap, "005000"),
            (microsecondPcapng, "005000"),
        ] {
            let text = try await PGWExecutable.run(["decode", path, "--only", "Query"])
            #expect(text.succeeded, "\(text)")
            #expect(text.standardOutput.contains("03:33:20.\(fraction) #1 F Query \"select 'nano'\""), "\(text)")
            let json = try await PGWExecutable.run(["decode", path, "--format", "json", "--only", "Query"])
            #expect(json.standardOutput.contains(#""time":"2025-12-01T03:33:20."# + fraction + #"Z""#), "\(json)")
        }
    }

    @Test("--summary --format json: statements, errors by SQLSTATE and the slowest statements as JSON Lines")
    func summaryJSONLines() async throws {
        var first = SyntheticConnection.ipv4(clientPort: 44_001)
        var second = SyntheticConnection.ipv4(clientPort: 44_002)
        let path = try Scenario.write(
            DecodeCaptureCommandTests.session(&first, query: "select 'apple'")
                + DecodeCaptureCommandTests.session(&second, query: "select 'pear'"))
        defer { unlink(path) }
        let outcome = try await PGWExecutable.run(["decode", path, "--summary", "--format", "json"])
        #expect(outcome.succeeded, "\(outcome)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(try await JSONLinesSchemaValidator.problems(in: lines) == [])
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        func matching(_ key: String, connection: Int?) -> [[String: Any]] {
            objects.filter { $0[key] != nil && $0["connection"] as? Int == connection }
        }
        for connection in [1, 2, nil] {
            let statements = matching("statements", connection: connection)
            #expect(statements.map { $0["statements"] as? Int } == [connection == nil ? 4 : 2], "\(lines)")
            let errors = matching("errors", connection: connection)
            #expect(errors.map { $0["sqlState"] as? String } == ["22012"], "\(lines)")
            #expect(errors.map { $0["errors"] as? Int } == [connection == nil ? 2 : 1], "\(lines)")
            let slowest = matching("slowest", connection: connection)
            #expect(slowest.map { $0["slowest"] as? Int } == Array(1...(connection == nil ? 4 : 2)), "\(lines)")
            #expect(slowest.allSatisfy { ($0["latencyMicroseconds"] as? Int).map { $0 >= 0 } ?? false })
            #expect(slowest.contains { $0["statement"] as? String == "select 1/0" }, "\(lines)")
        }
        // Each connection's lines follow its message rows; the totals come last.
        #expect(objects.last?["slowest"] != nil && objects.last?["connection"] == nil, "\(lines)")
    }
}
