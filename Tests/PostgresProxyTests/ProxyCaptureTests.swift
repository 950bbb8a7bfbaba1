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
        let captureFile = try #require(harness.captureFile)
        let tshark = try PostgresInstallation.executableOnPath("tshark")
        let outcome = try await SubprocessCommand(
            tshark,
            [
                "-r", captureFile.path, "-d", "tcp.port==\(server.port),pgsql", "-Y", "pgsql", "-T", "fields",
                "-e", "tcp.stream", "-e", "pgsql.type", "-E", "occurrence=a", "-E", "aggregator=|",
            ],
            environment: ProcessInfo.processInfo.environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        // tshark names types its own way ("Simple query", "Row description"); compare the counts per stream.
        let streams = Dictionary(
            grouping: outcome.standardOutput.split(separator: "\n").map { $0.split(separator: "\t") },
            by: { String($0[0]) })
        #expect(streams.count == 2, "\(outcome.standardOutput)")
        for (_, packets) in streams {
            let types = packets.flatMap { $0.count > 1 ? $0[1].split(separator: "|").map(String.init) : [] }
            let loggedCount = log.filter { $0.split(separator: " ").count > 3 && $0.split(separator: " ")[1] == "#1" }
                .compactMap { ProxyRelayTests.messageType(ofTextLine: $0) }.count
            #expect(types.count == loggedCount, "\(types) vs the log's \(loggedCount) messages")
            #expect(types.contains("Simple query") && types.contains("Error") && types.contains("Data row"), "\(types)")
        }
    }
}
