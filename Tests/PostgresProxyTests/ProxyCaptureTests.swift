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
}
