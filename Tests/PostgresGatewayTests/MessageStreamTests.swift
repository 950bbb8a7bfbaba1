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
        let hooks = PostgresServerConnectionHooks(onAuthenticated: { connection in
            let messages = try await connection.messages()
            Task {
                for try await message in messages {
                    guard case .query(let query) = message else { continue }
                    // A slow consumer: the pipelined queries still arrive in order (see below for where they wait).
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

    @Test func aBlockedConsumerStopsReadingFromTheClient() async throws {
        let consumed = NIOLockedValueBox(0)
        let gate = AsyncStream<Void>.makeStream()
        let hooks = PostgresServerConnectionHooks(onAuthenticated: { connection in
            let messages = try await connection.messages()
            Task {
                // Blocked until the test opens the gate: the queries must wait in the socket, not in memory.
                for await _ in gate.stream { break }
                for try await _ in messages { consumed.withLockedValue { $0 += 1 } }
            }
        })
        let server = try await PostgresServer.bind(port: 0, hooks: hooks)
        defer { Task { await server.shutdown() } }
        let port = try #require(server.localAddress?.port)
        // 64 MiB of queries, more than the kernel's socket buffers hold: without backpressure the server would read
        // them all into memory and the client could send everything.
        let total = 64 << 20
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("python3"),
            [
                "-c",
                """
                import socket, struct, time
                s = socket.create_connection(("127.0.0.1", \(port)), timeout=30)
                body = b"user\\0alice\\0\\0"
                s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
                time.sleep(0.3)
                q = b"Q" + struct.pack("!i", 4 + 1000 + 1) + b"x" * 1000 + b"\\0"
                chunk = q * 1000
                s.setblocking(False)
                sent, stalled = 0, None
                while sent < \(total):
                    try:
                        sent += s.send(chunk)
                        stalled = None
                    except BlockingIOError:
                        stalled = stalled or time.time()
                        if time.time() - stalled > 1.5: break
                        time.sleep(0.01)
                print(sent)
                """,
            ],
            timeout: .seconds(60)
        ).run()
        let sent = try #require(
            Int(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)), "\(outcome)")
        #expect(sent < total / 2, "the server kept reading while its consumer was blocked: \(sent) bytes taken")
        #expect(consumed.withLockedValue { $0 } == 0)
        gate.continuation.yield()
        gate.continuation.finish()
    }
}
