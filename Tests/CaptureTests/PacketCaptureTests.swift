import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Real clients recorded twice at once: by the recording relay (raw streams) and by a real tcpdump on the
/// client-to-relay leg (a pcap). `pgw decode` must find every connection in the pcap, in true order, with the same
/// messages as the raw streams, and agree with Wireshark's dissector on message types and counts.
@Suite(.postgresServer(.captureTests), .timeLimit(.minutes(3)))
struct PacketCaptureTests {
    /// One line of `pgw decode --format json`: the members the tests compare.
    struct Line {
        var connection: Int
        var direction: String
        var type: String
        var time: String?
    }

    /// `pgw decode` of `arguments` as JSON lines; fails on a non-zero exit.
    static func decode(_ arguments: [String]) async throws -> [Line] {
        let outcome = try await PGWExecutable.run(["decode", "--format", "json"] + arguments)
        #expect(outcome.succeeded, "pgw decode \(arguments): \(outcome.standardError)")
        return try outcome.standardOutput.split(separator: "\n").map { text in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return Line(
                connection: object["connection"] as? Int ?? 0, direction: try #require(object["direction"] as? String),
                type: try #require(object["type"] as? String), time: object["time"] as? String)
        }
    }

    /// One connection's messages as `frontend: A B … | backend: C D …`: the order within each direction.
    static func signature(_ lines: [Line]) -> String {
        ["frontend", "backend"].map { direction in
            direction + ": " + lines.filter { $0.direction == direction }.map(\.type).joined(separator: " ")
        }.joined(separator: " | ")
    }

    /// Whether every reply follows its request: no more ReadyForQuery after the startup one than Query, Sync and
    /// FunctionCall messages before it, at every point.
    static func isCausallyOrdered(_ lines: [Line]) -> Bool {
        var requests = 0
        var answers = -1
        for line in lines {
            if ["Query", "Sync", "FunctionCall"].contains(line.type) { requests += 1 }
            if line.type == "ReadyForQuery" { answers += 1 }
            if answers > requests { return false }
        }
        return true
    }

    /// A fresh path for a pcap file.
    static func temporaryPcapPath() -> String {
        FileManager.default.temporaryDirectory.appending(path: "pgw-tcpdump-\(UUID().uuidString).pcap").path
    }

    /// Runs `scenario` through the recording relay while a real tcpdump records the client-to-relay leg into
    /// `pcap` (only this scenario's connections, whatever other tests send the server); returns the relay's
    /// captures and its port.
    static func record(
        server: PostgresServerFixture, pcap: String, _ scenario: (CaptureSession) async throws -> Void
    ) async throws -> (captures: [ConnectionCapture], port: Int) {
        var tcpdump: TCPDumpRecording?
        var port = 0
        do {
            let captures = try await CaptureSession.record(server: server) { session in
                port = session.relayPort
                tcpdump = try await TCPDumpRecording(port: port, path: pcap)
                try await scenario(session)
            }
            try await tcpdump?.stop()
            return (captures, port)
        } catch {
            try? await tcpdump?.stop()
            throw error
        }
    }

    /// Wireshark's dissector sees the same message types and counts as `pgw decode` (it does not show SSLResponse).
    static func expectTSharkAgrees(
        with lines: [Line], pcap: String, port: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var pgwCounts: [String: Int] = [:]
        for line in lines where line.type != "SSLResponse" {
            pgwCounts[TSharkDissection.name(ofPGWType: line.type), default: 0] += 1
        }
        let tsharkCounts = try await TSharkDissection.counts(pcap, port: port)
        #expect(pgwCounts == tsharkCounts, sourceLocation: sourceLocation)
    }

    @Test(
        "psql and psycopg at once: every connection in true order, the same messages as the raw streams, tshark agrees")
    func psqlAndPsycopg() async throws {
        let server = try PostgresServerTrait.server()
        let pcap = Self.temporaryPcapPath()
        defer { unlink(pcap) }
        let (captures, port) = try await Self.record(server: server, pcap: pcap) { session in
            let directory = session.workingDirectory
            try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                .write(to: directory.appending(path: "lo-input.bin"))
            try Data("10,ten\n11,eleven\n".utf8).write(to: directory.appending(path: "copy-input.csv"))
            let script = try CaptureSession.clientScript("psql-scenario.sql")
            async let psql = session.psql(["-f", script.path]).runExpectingSuccess("psql scenario")
            async let psycopg = session.pythonClient("psycopg_scenario.py", requiring: ["psycopg"])
                .runExpectingSuccess("psycopg scenario")
            _ = try await (psql, psycopg)
        }

        let lines = try await Self.decode([pcap, "--port", String(port)])
        let connections = Dictionary(grouping: lines, by: \.connection)
        #expect(connections.count == captures.count, "one decoded connection per relayed connection")
        #expect(lines.allSatisfy { $0.time != nil && $0.connection > 0 })
        #expect(lines.map { $0.time! } == lines.map { $0.time! }.sorted(), "messages of all connections in time order")
        for (id, messages) in connections {
            #expect(Self.isCausallyOrdered(messages), "connection \(id): a reply before its request")
        }

        // The raw streams of each relayed connection decode to the same messages, and in causal order too.
        var rawSignatures: [String] = []
        for capture in captures {
            let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-raw-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let frontend = directory.appending(path: "frontend.bin")
            let backend = directory.appending(path: "backend.bin")
            try Data(capture.frontend.readableBytesView).write(to: frontend)
            try Data(capture.backend.readableBytesView).write(to: backend)
            let raw = try await Self.decode(["--frontend", frontend.path, "--backend", backend.path])
            #expect(
                Self.isCausallyOrdered(raw), "raw streams of connection \(capture.index): a reply before its request")
            rawSignatures.append(Self.signature(raw))
        }
        #expect(connections.values.map(Self.signature).sorted() == rawSignatures.sorted())

        try await Self.expectTSharkAgrees(with: lines, pcap: pcap, port: port)
    }
}
