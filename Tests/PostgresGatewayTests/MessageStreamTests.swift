import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresGateway
import PostgresTestSupport
import PostgresWire
import Testing

/// The typed message stream: unhandled messages in order, with backpressure towards the client.
@Suite(.timeLimit(.minutes(2)))
struct MessageStreamTests {
    @Test func slowConsumerGetsEveryMessageInOrder() async throws {
        let received = NIOLockedValueBox<[String]>([])
        let hooks = PostgresConnectionHooks(onAuthenticated: { connection in
            let messages = try await connection.messages()
            Task {
                for await message in messages {
                    guard case .query(let query) = message else { continue }
                    // A slow consumer: the client's pipelined queries must wait in the socket, not in memory.
                    if received.withLockedValue({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(100)) }
                    received.withLockedValue { $0.append(query.text) }
                    try await connection.send([
                        .commandComplete(CommandComplete(tag: "SELECT 0")), .readyForQuery(.idle),
                    ])
                }
            }
        })
        let server = try await PostgresServer.bind(port: 0, hooks: hooks)
        defer { Task { await server.shutdown() } }
        let port = try #require(server.localAddress?.port)
        // 500 pipelined queries in one write, before reading any answer.
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            [
                "-c",
                """
                import socket, struct
                s = socket.create_connection(("127.0.0.1", \(port)), timeout=30)
                body = b"user\\0alice\\0\\0"
                s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
                def ready_count(data):
                    count, offset = 0, 0
                    while offset + 5 <= len(data):
                        kind, length = data[offset:offset + 1], struct.unpack("!i", data[offset + 1:offset + 5])[0]
                        if offset + 1 + length > len(data): break
                        count += kind == b"Z"
                        offset += 1 + length
                    return count
                data = b""
                while ready_count(data) < 1: data += s.recv(65536)
                queries = b"".join(b"Q" + struct.pack("!i", 4 + len(q) + 1) + q + b"\\0" for q in (f"select {i}".encode() for i in range(500)))
                s.sendall(queries)
                data = b""
                while ready_count(data) < 500: data += s.recv(65536)
                print("done")
                """,
            ],
            timeout: .seconds(60)
        ).run()
        #expect(outcome.standardOutput == "done\n", "\(outcome)")
        #expect(received.withLockedValue { $0 } == (0..<500).map { "select \($0)" })
    }
}
