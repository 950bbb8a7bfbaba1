import Foundation
import Logging
import PostgresClient
import PostgresProxy
import PostgresTestSupport
import Testing

/// Security warnings in the traffic log, against a fake upstream (Python's socket module) that answers the proxy's
/// SSLRequest with `N`, then with `S` followed by an injected ErrorResponse: the log warns of each, and the client
/// gets FATAL 08006 instead of a session.
@Suite(.timeLimit(.minutes(3)))
struct ProxySecurityWarningTests {
    /// Answers the first SSLRequest `N` and the second `S` plus plaintext bytes, then waits for the client to close.
    static let fakeUpstream = """
        import socket
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
        injected = b"E" + (4 + 24).to_bytes(4, "big") + b"SFATAL\\0C28000\\0Minjected\\0\\0\\0"
        for answer in [b"N", b"S" + injected]:
            client, _ = server.accept()
            client.recv(8)
            client.sendall(answer)
            client.recv(1024)
            client.close()
        """

    @Test func upstreamRefusingSSLOrInjectingAfterSIsAWarning() async throws {
        let python = try PostgresInstallation.executableOnPath("python3")
        let (fake, fakePort) = try await ListeningProcess.start(python, ["-c", Self.fakeUpstream])
        defer { fake.terminate() }
        let upstream = try UpstreamServer(parsing: "host=127.0.0.1 port=\(fakePort) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(upstream: upstream, format: .text)
        var failures: [String] = []
        for _ in 0..<2 {
            do {
                _ = try await PostgresClientConnection.connect(
                    "host=127.0.0.1 port=\(harness.port) user=alice password=secret sslmode=disable",
                    logger: Logger(label: "test"))
                failures.append("connected")
            } catch {
                failures.append("\(error.serverError?.sqlState ?? "none") \(error.serverError?.message ?? "")")
            }
        }
        let log = try await harness.stop().joined(separator: "\n")
        let failed =
            "08006 could not log in to the upstream server: connection to server at \"127.0.0.1\", port \(fakePort) failed: "
        #expect(
            failures == [
                failed + "server does not support SSL, but SSL was required",
                failed + "received unencrypted data after SSL response",
            ], "\(failures)")
        #expect(
            log.contains(
                "warning: the upstream refused SSL (answered N to SSLRequest) though its sslmode requires TLS"),
            "\(log)")
        #expect(log.contains("possible data injection (CVE-2021-23222)"), "\(log)")
        #expect(!log.contains("injected"), "the injected bytes never reach the client")
    }
}
