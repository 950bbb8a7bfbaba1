import Foundation
import PostgresProxy
import PostgresTestSupport
import Testing

/// `--pcap`: the capture opens in tshark, whose pgsql dissector sees the same messages the log shows.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-pcap", hostBasedAuthentication: ["host all proxy_pcap 127.0.0.1/32 md5"],
            roles: [.init(name: "proxy_pcap", password: "pcap-Secret", passwordEncryption: "md5")])),
    .timeLimit(.minutes(2))
)
struct ProxyCaptureTests {
    @Test func tsharkDecodesTheSameMessageSequenceAsTheLog() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text, capturing: true)
        defer { harness.removeFiles() }
        for _ in 0..<2 {
            let session = try await ProxyHarness.psql(
                port: harness.port, role: "proxy_pcap", password: "pcap-Secret",
                script: "SELECT 1 AS one;\nSELECT 1/0;\n", server: server)
            #expect(session.status == 3 || session.status == 0, "\(session)")
        }
        let log = try await harness.stop()
        let streams = try await harness.capturedMessageTypes(serverPort: server.port)
        #expect(streams.count == 2, "\(streams)")
        for types in streams.values {
            let loggedCount = log.filter { $0.split(separator: " ").count > 3 && $0.split(separator: " ")[1] == "#1" }
                .compactMap { ProxyRelayTests.messageType(ofTextLine: $0) }.count
            #expect(types.count == loggedCount, "\(types) vs the log's \(loggedCount) messages")
            #expect(types.contains("Simple query") && types.contains("Error") && types.contains("Data row"), "\(types)")
        }
    }

    /// Each captured connection closes in both directions, as a real TCP connection does: a session the client
    /// terminated and a login the server refused (28P01, the server closing first) each have a FIN from either side,
    /// so tshark sees complete streams and `pgw decode` shows `closed (FIN)`, not `closed (end of capture)`.
    @Test func eachStreamEndsWithAFinFromBothSides() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text, capturing: true)
        defer { harness.removeFiles() }
        let session = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_pcap", password: "pcap-Secret", script: "SELECT 1 AS one;\n",
            server: server)
        #expect(session.status == 0, "\(session)")
        let refused = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_pcap", password: "wrong", script: "SELECT 1;\n", server: server)
        #expect(refused.standardError.contains("password authentication failed"), "\(refused)")
        _ = try await harness.stop()
        let captureFile = try #require(harness.captureFile)
        let finishes = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("tshark"),
            [
                "-r", captureFile.path, "-Y", "tcp.flags.fin==1", "-T", "fields", "-e", "tcp.stream", "-e",
                "tcp.srcport",
            ],
            environment: ProcessInfo.processInfo.environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
        ).runExpectingSuccess("tshark -r \(captureFile.path)")
        var finishingPorts: [String: Set<String>] = [:]
        for packet in finishes.standardOutput.split(separator: "\n") {
            let fields = packet.split(separator: "\t").map(String.init)
            finishingPorts[fields[0], default: []].insert(fields[1])
        }
        #expect(finishingPorts.count == 2 && finishingPorts.values.allSatisfy { $0.count == 2 }, "\(finishingPorts)")
        let decoded = try await SubprocessCommand(try PGWExecutable.url(), ["decode", captureFile.path])
            .runExpectingSuccess("pgw decode \(captureFile.path)")
        let closes = decoded.standardOutput.split(separator: "\n").filter { $0.contains(" -- closed") }
        #expect(closes.count == 2 && closes.allSatisfy { $0.hasSuffix("-- closed (FIN)") }, "\(decoded)")
    }
}
