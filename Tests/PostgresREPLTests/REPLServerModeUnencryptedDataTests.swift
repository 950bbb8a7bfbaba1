import Foundation
import PostgresTestSupport
import Testing

/// `pgw repl --listen` with TLS options: `\auto-startup` refuses plaintext sent with the SSLRequest (before its
/// answer) with PostgreSQL's FATAL, as `pgw serve` and `pgw proxy` do (CVE-2021-23222), instead of reading it as if
/// it had come inside TLS.
struct REPLServerModeUnencryptedDataTests {
    /// A client that sends an SSLRequest and a StartupMessage in one packet and prints what it receives.
    static func pipeliningClient(_ port: Int) -> SubprocessCommand {
        SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                """
                import socket, struct, sys
                body = struct.pack('!I', 196608) + b'user\\0alice\\0database\\0app\\0\\0'
                s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
                s.sendall(struct.pack('!II', 8, 80877103) + struct.pack('!I', len(body) + 4) + body)
                received = b''
                while True:
                    data = s.recv(4096)
                    if not data: break
                    received += data
                print(repr(received))
                """, "\(port)",
            ], timeout: .seconds(20))
    }

    @Test func plaintextAfterTheSSLRequestIsRefused() async throws {
        let run = try await REPLServerModeTests.withCertificate { tls in
            try await REPLServerModeTests.serve("\\auto-startup\n\\expect Query\n", arguments: tls) { port in
                Self.pipeliningClient(port)
            }
        }
        #expect(run.client.standardOutput.contains("received unencrypted data after SSL request"), "\(run)")
        #expect(run.client.standardOutput.contains("C08P01\\x00M"), "\(run)")
        #expect(!run.client.standardOutput.hasPrefix("b'S"), "no S: TLS never starts \(run)")
        #expect(!run.standardOutput.contains("TLS handshake started"), "\(run)")
        #expect(!run.standardOutput.contains("ReadyForQuery"), "\(run)")
        #expect(run.standardOutput.contains("B ErrorResponse FATAL 08P01"), "\(run)")
    }
}
