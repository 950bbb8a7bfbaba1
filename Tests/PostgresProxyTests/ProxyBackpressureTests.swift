import Foundation
import PostgresProxy
import PostgresTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A traffic log nobody reads stalls the relay instead of filling memory; once read, the session completes.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-backpressure", hostBasedAuthentication: ["host all proxy_slow 127.0.0.1/32 md5"],
            roles: [.init(name: "proxy_slow", password: "slow-Secret", passwordEncryption: "md5")])),
    .timeLimit(.minutes(2))
)
struct ProxyBackpressureTests {
    @Test func relayWaitsForASlowLogAndLosesNothing() async throws {
        let server = try PostgresServerTrait.server()
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let readEnd = descriptors[0]
        let sink = TrafficLogSink(fileDescriptor: descriptors[1], closesDescriptor: true, capacity: 65_536)
        let proxy = try await PostgresProxy.start(
            host: "127.0.0.1", port: 0,
            configuration: ProxyConfiguration(upstream: UpstreamServer(host: "127.0.0.1", port: server.port)),
            sink: sink)
        let port = try #require(proxy.localAddress?.port)
        let finished = Mutex(false)
        let script = "COPY (SELECT g, repeat('y', 500) FROM generate_series(1, 5000) g) TO STDOUT;\n"
        let session = Task {
            let outcome = try await ProxyHarness.psql(
                port: port, role: "proxy_slow", password: "slow-Secret", script: script, server: server)
            finished.withLock { $0 = true }
            return outcome
        }
        try await Task.sleep(for: .seconds(2))
        #expect(!finished.withLock { $0 }, "the session must wait while the log is not read")
        let reader = Task.detached { () -> String in
            var text = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                text.append(contentsOf: buffer[0..<count])
            }
            return String(decoding: text, as: UTF8.self)
        }
        let outcome = try await session.value
        await proxy.shutdown(timeout: .seconds(2))
        let log = await reader.value
        close(readEnd)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.split(separator: "\n").count == 5_000)
        #expect(log.components(separatedBy: " B CopyData ").count - 1 == 5_000)
    }
}
