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

    /// Asks for SCRAM-SHA-256 after the StartupMessage, then waits for the client to close.
    static let saslUpstream = """
        import socket
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
        client, _ = server.accept()
        client.recv(1024)
        body = (10).to_bytes(4, "big") + b"SCRAM-SHA-256\\0\\0"
        client.sendall(b"R" + (4 + len(body)).to_bytes(4, "big") + body)
        while client.recv(1024):
            pass
        """

    /// A client's 'p' message that the log cannot decode (a malformed SASLInitialResponse holding a password) is
    /// logged as Unknown with its body masked, in text and JSON: the password never reaches the log.
    @Test(arguments: [TrafficLogFormat.text, .json])
    func undecodablePasswordMessagesAreMasked(format: TrafficLogFormat) async throws {
        let python = try PostgresInstallation.executableOnPath("python3")
        let (fake, fakePort) = try await ListeningProcess.start(python, ["-c", Self.saslUpstream])
        defer { fake.terminate() }
        let harness = try await ProxyHarness.start(upstreamPort: fakePort, format: format)
        let client = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            body = (196608).to_bytes(4, "big") + b"user\\0alice\\0\\0"
            s.sendall((4 + len(body)).to_bytes(4, "big") + body)
            s.recv(1024)
            s.sendall(b"p" + (4 + 13).to_bytes(4, "big") + b"hunter2\\0extra")
            time.sleep(0.3)
            s.close()
            """
        let outcome = try await SubprocessCommand(python, ["-c", client, String(harness.port)], timeout: .seconds(30))
            .run()
        #expect(outcome.succeeded, "\(outcome)")
        let log = try await harness.stop().joined(separator: "\n")
        #expect(log.contains("Unknown"), "\(log)")
        #expect(!log.contains("68756e74657232"), "the password's bytes are in the log: \(log)")
        #expect(log.contains(format == .json ? #""bytes":{"maskedBytes":13}"# : "7000000011 ****"), "\(log)")
    }

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
