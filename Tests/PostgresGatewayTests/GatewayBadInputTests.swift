import Foundation
import NIOCore
import NIOPosix
import PostgresGateway
import PostgresWire
import Testing

/// Hostile and broken clients get PostgreSQL-style errors and a clean close; other connections carry on.
@Suite(.timeLimit(.minutes(2)))
struct GatewayBadInputTests {
    /// Sends `payload` (a Python bytes expression) on a raw socket and returns the SQLSTATE of the first
    /// ErrorResponse the server sends before closing, or `closed` when it sends none.
    static func rawExchange(_ server: GatewayTestServer, payload: String, waitFirst: Double = 0) async throws -> String
    {
        let outcome = try await server.python(
            """
            import os, socket, struct, time
            s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=20)
            time.sleep(\(waitFirst))
            try:
                s.sendall(\(payload))
            except OSError:
                pass
            data = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
            code = "closed"
            while len(data) >= 5:
                kind, length = data[:1], struct.unpack("!i", data[1:5])[0]
                if length < 4:
                    break  # not a message: a negative length would read the same bytes forever
                body, data = data[5:1 + length], data[1 + length:]
                if kind == b"E":
                    code = next(f[1:].decode() for f in body.split(b"\\0") if f[:1] == b"C")
                    break
            print(code)
            """
        )
        #expect(outcome.succeeded, "\(outcome)")
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func protocolViolationsGet08P01() async throws {
        let server = try await GatewayTestServer.start(.none)
        defer { Task { await server.stop() } }
        // A typed message before startup, an oversized startup packet, a negative length, pure garbage.
        #expect(try await Self.rawExchange(server, payload: #"b"Q\0\0\0\x0dselect 1\0""#) == "08P01")
        #expect(try await Self.rawExchange(server, payload: #"struct.pack("!ii", 20000, 196608)"#) == "08P01")
        #expect(try await Self.rawExchange(server, payload: #"struct.pack("!ii", -8, 196608)"#) == "08P01")
        #expect(try await Self.rawExchange(server, payload: #"struct.pack("!ii", 9, 0x00040000) + b"\0""#) == "0A000")
        // A typed message with a bad length after a good startup.
        let startup = #"struct.pack("!ii", 18, 196608) + b"user\0bob\0\0""#
        #expect(try await Self.rawExchange(server, payload: startup + #" + b"Q\0\0\0\x02""#) == "08P01")
        // The server still works.
        let outcome = try await server.psql("select 'still here'", conninfo: server.conninfo())
        #expect(outcome.succeeded, "\(outcome)")
    }

    @Test func preProtocol3ClientsGetThePre3ErrorFormat() async throws {
        // As PostgreSQL: a client asking for protocol 0.1234 (or 2.0) gets `E`, the text and a zero byte.
        let server = try await GatewayTestServer.start(.none)
        defer { Task { await server.stop() } }
        let outcome = try await server.python(
            """
            import os, socket, struct
            s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=20)
            body = b"user\\0alice\\0\\0"
            s.sendall(struct.pack("!ii", 8 + len(body), 1234) + body)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            print(repr(data))
            """
        )
        #expect(
            outcome.standardOutput
                == #"b'EFATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.2\n\x00'"# + "\n",
            "\(outcome)")
    }

    @Test func passwordMessagesMustAnswerTheRequest() async throws {
        let server = try await GatewayTestServer.start(.md5Password)
        defer { Task { await server.stop() } }
        let startup = #"struct.pack("!ii", 20, 196608) + b"user\0alice\0\0""#
        #expect(try await Self.rawExchange(server, payload: startup + #" + b"Q\0\0\0\x0dselect 1\0""#) == "08P01")
        #expect(server.authenticated.withLockedValue { $0.isEmpty })
    }

    @Test func plaintextAfterSSLRequestIsRejected() async throws {
        // CVE-2021-23222: bytes sent with the SSLRequest, before the handshake, must not be processed.
        let server = try await GatewayTestServer.start(.none, tls: true)
        defer { Task { await server.stop() } }
        let sslRequest = #"struct.pack("!ii", 8, 80877103)"#
        let injected = #"struct.pack("!ii", 18, 196608) + b"user\0bob\0\0""#
        #expect(try await Self.rawExchange(server, payload: sslRequest + " + " + injected) == "08P01")
    }

    @Test func silentClientsTimeOut() async throws {
        // Long enough that a loaded machine reads the startup packet before the timer fires: a timer that fires first
        // closes a connection whose packet is unread, which the kernel answers with a reset and no message (a CI run
        // took 30 s for this test with 2 s).
        let server = try await GatewayTestServer.start(.cleartextPassword, authenticationTimeout: .seconds(8))
        defer { Task { await server.stop() } }
        let startup = #"struct.pack("!ii", 20, 196608) + b"user\0alice\0\0""#
        // The client sends its startup, gets the password request and then says nothing.
        let outcome = try await server.python(
            """
            import os, socket, struct
            s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=20)
            s.sendall(\(startup))
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            messages = []
            while data:
                kind, length = data[:1], struct.unpack("!i", data[1:5])[0]
                body, data = data[5:1 + length], data[1 + length:]
                messages.append(kind.decode() + (":" + next(f[1:].decode() for f in body.split(b"\\0") if f[:1] == b"C") if kind == b"E" else ""))
            print(" ".join(messages))
            """
        )
        #expect(outcome.standardOutput == "R E:57014\n", "\(outcome)")
    }

    @Test func clientsBeyondTheLimitGet53300() async throws {
        let server = try await GatewayTestServer.start(.none, maximumConnections: 1)
        defer { Task { await server.stop() } }
        let outcome = try await server.python(
            """
            import os, socket, struct
            port = int(os.environ["PORT"])
            first = socket.create_connection(("127.0.0.1", port), timeout=20)
            # The first client logs in (trust) before the second connects, so it certainly holds the only slot.
            body = b"user\\0alice\\0\\0"
            first.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
            received = b""
            while b"Z\\0\\0\\0\\x05" not in received:
                received += first.recv(65536)
            # Like libpq with sslmode=prefer: SSLRequest first; the limit is reported after the startup packet.
            second = socket.create_connection(("127.0.0.1", port), timeout=20)
            second.sendall(struct.pack("!ii", 8, 80877103))
            answer = second.recv(1)
            second.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
            data = b""
            while True:
                chunk = second.recv(65536)
                if not chunk: break
                data += chunk
            code = next(f[1:].decode() for f in data[5:].split(b"\\0") if f[:1] == b"C")
            print(answer.decode(), data[:1].decode(), code)
            """
        )
        #expect(outcome.standardOutput == "N E 53300\n", "\(outcome)")
    }

    @Test func psqlBeyondTheLimitSeesTooManyClients() async throws {
        let server = try await GatewayTestServer.start(.none, maximumConnections: 1)
        defer { Task { await server.stop() } }
        // One session holds the only slot: a raw client logged in (trust) and waiting.
        let holder = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port).get()
        var startup = ByteBuffer()
        FrontendMessage.startup(StartupMessage(parameters: [.init("user", "alice")])).encode(into: &startup)
        try await holder.writeAndFlush(startup)
        // Up to 10 s for each wait: a saturated CI machine can take seconds.
        for _ in 0..<500 where server.server.sessionCount < 1 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.server.sessionCount == 1)
        let outcome = try await server.psql("select 1", conninfo: server.conninfo())
        #expect(!outcome.succeeded)
        #expect(outcome.standardError.contains("sorry, too many clients already"), "\(outcome)")
        try await holder.close()
        for _ in 0..<500 where server.server.sessionCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
        let after = try await server.psql("select 1", conninfo: server.conninfo())
        #expect(after.succeeded, "\(after)")
    }

    /// Sockets beyond the limit of waiting ones (as many as the session slots) get FATAL 53300 at once rather
    /// than a silent close, so the client says why.
    @Test func socketsBeyondTheWaitingLimitGet53300AtOnce() async throws {
        // The silent sockets must outlast psql's start on a loaded machine.
        let server = try await GatewayTestServer.start(.none, startupTimeout: .seconds(120), maximumConnections: 1)
        defer { Task { await server.stop() } }
        // Two silent sockets: one for the session slot, one waiting; both send nothing.
        var silent: [any Channel] = []
        for _ in 0..<2 {
            silent.append(
                try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: server.port).get())
        }
        for _ in 0..<500 where server.server.connectionCount < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.server.connectionCount == 2)
        let outcome = try await server.psql("select 1", conninfo: server.conninfo())
        #expect(!outcome.succeeded)
        #expect(outcome.standardError.contains("sorry, too many clients already"), "\(outcome)")
        for channel in silent { try await channel.close() }
    }

    @Test func cancelRequestsReachTheHookAndGetNoReply() async throws {
        let server = try await GatewayTestServer.start(.none)
        defer { Task { await server.stop() } }
        #expect(
            try await Self.rawExchange(server, payload: #"struct.pack("!iiii", 16, 80877102, 4242, 77)"#) == "closed")
        #expect(
            server.cancelRequests.withLockedValue { $0 } == [CancelRequest(processID: 4242, secretKey: [0, 0, 0, 77])])
    }

    @Test func shutdownSendsAdminShutdownToConnectedClients() async throws {
        let server = try await GatewayTestServer.start(.none)
        let client = Task {
            try await server.python(
                """
                import os, psycopg
                c = psycopg.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user="alice", dbname="app")
                c.execute("select 1")
                import time
                for _ in range(200):
                    time.sleep(0.05)
                    try:
                        c.execute("select 1")
                    except psycopg.Error as e:
                        print(e.sqlstate or type(e).__name__)
                        break
                """
            )
        }
        for _ in 0..<200 where server.authenticated.withLockedValue({ $0.isEmpty }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))
        await server.stop()
        let outcome = try await client.value
        #expect(
            outcome.standardOutput.contains("57P01") || outcome.standardOutput.contains("OperationalError"),
            "\(outcome)")
        #expect(server.server.connectionCount == 0)
    }
}
