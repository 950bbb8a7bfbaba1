import Foundation
import PostgresProxy
import PostgresTestSupport
import PostgresWire
import Testing

/// psql sessions through `PostgresProxy` to a real PostgreSQL: the same results as direct, every message logged.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy",
            hostBasedAuthentication: [
                "host all proxy_scram 127.0.0.1/32 scram-sha-256", "host all proxy_md5 127.0.0.1/32 md5",
            ],
            roles: [
                .init(name: "proxy_scram", password: "scram-Secret", passwordEncryption: "scram-sha-256"),
                .init(name: "proxy_md5", password: "md5-Secret", passwordEncryption: "md5"),
            ])),
    .timeLimit(.minutes(3))
)
struct ProxyRelayTests {
    /// COPY in and out, an error, a notice and rows, in one session.
    static let script = """
        CREATE TEMP TABLE fruit (id int, name text);
        COPY fruit FROM STDIN;
        1\tapple
        2\tbanana
        \\.
        COPY fruit TO STDOUT;
        SELECT id, name FROM fruit ORDER BY id;
        SELECT 1/0;
        DO $$ BEGIN RAISE NOTICE 'hello from %', 'plpgsql'; END $$;
        SELECT repeat('x', 300) AS long;

        """

    @Test(arguments: [("proxy_scram", "scram-Secret"), ("proxy_md5", "md5-Secret")])
    func psqlSessionMatchesDirectAndEveryMessageIsLogged(role: String, password: String) async throws {
        let server = try PostgresServerTrait.server()
        let direct = try await ProxyHarness.psql(
            port: server.port, role: role, password: password, script: Self.script, server: server)
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let proxied = try await ProxyHarness.psql(
            port: harness.port, role: role, password: password, script: Self.script, server: server)
        let log = try await harness.stop()
        #expect(direct.status == 0, "\(direct)")
        #expect(proxied.status == direct.status, "\(proxied)")
        #expect(proxied.standardOutput == direct.standardOutput)
        #expect(proxied.standardError == direct.standardError)
        let types = Set(log.compactMap { Self.messageType(ofTextLine: $0) })
        let expected: Set<String> = [
            "F StartupMessage", "F Query", "F CopyData", "F CopyDone", "F Terminate", "B AuthenticationOk",
            "B ParameterStatus", "B BackendKeyData", "B ReadyForQuery", "B CopyInResponse", "B CopyOutResponse",
            "B CopyData", "B CopyDone", "B RowDescription", "B DataRow", "B CommandComplete", "B ErrorResponse",
            "B NoticeResponse",
            role == "proxy_md5" ? "B AuthenticationMD5Password" : "B AuthenticationSASL",
            role == "proxy_md5" ? "F PasswordMessage" : "F SASLInitialResponse",
        ]
        #expect(
            expected.subtracting(types).isEmpty,
            "missing: \(expected.subtracting(types))\n\(log.joined(separator: "\n"))")
        #expect(!log.joined().contains(password), "the password must be masked")
        let summary = try #require(log.last)
        #expect(
            summary.contains("closed after") && summary.contains("client terminated the session"),
            "\(log.suffix(5).joined(separator: "\n"))")
        #expect(log.contains { $0.contains("B ErrorResponse ERROR 22012") })
        #expect(log.contains { $0.contains("B ReadyForQuery") && $0.hasSuffix(" ms)") }, "latency on ReadyForQuery")
    }

    /// A client that shuts its sending side after a query (`shutdown(SHUT_WR)`) still gets the answer, as from
    /// PostgreSQL directly; the proxy logs it as the client's close.
    @Test func aClientsHalfCloseStillGetsTheAnswer() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let python = try PostgresInstallation.executableOnPath("python3")
        let script = """
            import hashlib, socket, struct, sys
            user, password = "proxy_md5", "md5-Secret"
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
            body = b"user\\0" + user.encode() + b"\\0database\\0postgres\\0\\0"
            s.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
            def message():
                head = b""
                while len(head) < 5: head += s.recv(5 - len(head))
                length = struct.unpack("!i", head[1:5])[0] - 4
                body = b""
                while len(body) < length: body += s.recv(length - len(body))
                return head[:1], body
            kind, body = message()
            inner = hashlib.md5((password + user).encode()).hexdigest().encode()
            answer = b"md5" + hashlib.md5(inner + body[4:8]).hexdigest().encode() + b"\\0"
            s.sendall(b"p" + struct.pack("!i", 4 + len(answer)) + answer)
            while kind != b"Z": kind, body = message()
            query = b"select pg_sleep(0.3), 'halfclose'\\0"
            s.sendall(b"Q" + struct.pack("!i", 4 + len(query)) + query)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            print(b"halfclose" in data, b"SELECT 1" in data)
            """
        let outcome = try await SubprocessCommand(python, ["-c", script, String(harness.port)]).run()
        #expect(outcome.standardOutput == "True True\n", "\(outcome)")
        let log = try await harness.stop()
        #expect(log.contains { $0.contains("client closed the connection") }, "\(log)")
    }

    @Test func jsonLogParsesAndFollowsTheSchema() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .json)
        let proxied = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_scram", password: "scram-Secret", script: Self.script, server: server)
        let log = try await harness.stop()
        #expect(proxied.status == 0, "\(proxied)")
        var messageLines: [String] = []
        for line in log {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not an object: \(line)")
            #expect(object["connection"] as? Int == 1, "\(line)")
            #expect((object["time"] as? String)?.hasSuffix("Z") == true, "\(line)")
            if object["type"] != nil { messageLines.append(line) }
        }
        #expect(messageLines.count > 20)
        // Every line, the opened and closed events too.
        let problems = try await JSONLinesSchemaValidator.problems(in: log)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// 10 MB of COPY out, every CopyData logged as JSON: the bytes arrive unchanged and no message is lost.
    @Test func largeCopyOutArrivesWholeAndEveryMessageIsLogged() async throws {
        let server = try PostgresServerTrait.server()
        let script = "COPY (SELECT g, repeat(md5(g::text), 31) FROM generate_series(1, 10000) g) TO STDOUT;\n"
        let direct = try await ProxyHarness.psql(
            port: server.port, role: "proxy_scram", password: "scram-Secret", script: script, server: server)
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .json)
        let proxied = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_scram", password: "scram-Secret", script: script, server: server)
        let log = try await harness.stop()
        #expect(direct.succeeded && direct.standardOutput.utf8.count > 9_900_000)
        #expect(proxied.standardOutput == direct.standardOutput, "the COPY data differs through the proxy")
        let copyData = log.filter { $0.contains("\"direction\":\"backend\",\"type\":\"CopyData\"") }
        #expect(copyData.count == 10_000)
    }

    @Test func unreachableUpstreamGivesTheClientFatal08006() async throws {
        let server = try PostgresServerTrait.server()
        let closedPort = try FreeLoopbackPort.find()
        let harness = try await ProxyHarness.start(upstreamPort: closedPort, format: .text)
        let proxied = try await ProxyHarness.psql(
            port: harness.port, role: "proxy_scram", password: "x", script: "SELECT 1;", server: server)
        let log = try await harness.stop()
        #expect(proxied.status == 2, "\(proxied)")
        #expect(
            proxied.standardError.contains(
                "could not connect to the upstream server 127.0.0.1:\(closedPort): Connection refused"),
            "\(proxied)")
        #expect(log.contains { $0.contains("could not connect to the upstream server") }, "\(log)")
    }

    /// Every note in the log is one line: an authenticating-mode upstream that is down fails with libpq's reason
    /// on two lines (`…Connection refused\n\tIs the server running…`), and a client's user name may hold a line
    /// break; both are logged escaped.
    @Test func notesAreOneLineWhateverTheirText() async throws {
        let closedPort = try FreeLoopbackPort.find()
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(closedPort) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(upstream: upstream, format: .text)
        let replies = try await RawSession.exchange(
            port: harness.port,
            steps: [
                [.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "a\n\tb")]))],
                [.password(PasswordMessage(password: "x"))],
            ])
        let log = try await harness.stop()
        #expect(replies.contains { $0.typeName == "ErrorResponse" }, "\(replies)")
        #expect(log.allSatisfy { $0.first?.isNumber == true }, "\(log)")
        #expect(log.contains { $0.contains(" -- opened: ") && $0.contains("user=a\\n\\tb ") }, "\(log)")
        #expect(
            log.contains {
                $0.contains(" -- closed after ") && $0.contains("Connection refused\\n\\tIs the server running on")
            }, "\(log)")
    }

    @Test func encryptionRequestsAreRefusedAndUnreachableUpstreamIsSQLState08006OnTheWire() async throws {
        let closedPort = try FreeLoopbackPort.find()
        let harness = try await ProxyHarness.start(upstreamPort: closedPort, format: .text)
        let replies = try await RawSession.exchange(
            port: harness.port,
            steps: [
                [.gssENCRequest], [.sslRequest],
                [.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "a")]))],
            ])
        _ = try await harness.stop()
        // GSSENCRequest and SSLRequest (no --tls-cert) are answered N, as PostgreSQL without GSSAPI and TLS does.
        #expect(replies.prefix(2) == [.gssENCResponse(accepted: false), .sslResponse(accepted: false)], "\(replies)")
        guard case .errorResponse(let error) = try #require(replies.dropFirst(2).first) else {
            Issue.record("expected an ErrorResponse, got \(replies)")
            return
        }
        #expect(error.severity == "FATAL")
        #expect(error.sqlState == "08006")
    }

    /// A StartupMessage asking for protocol 3.5 with a `_pq_.` option is replayed upstream as sent, and the client
    /// gets the upstream's NegotiateProtocolVersion alone (3.0, the option unrecognized), as directly; the log shows
    /// both as on the wire.
    @Test(arguments: [ProtocolVersion(major: 3, minor: 5), .v3_2])
    func protocolNegotiationIsTheUpstreamsAlone(version: ProtocolVersion) async throws {
        let server = try PostgresServerTrait.server()
        let startup = FrontendMessage.startup(
            StartupMessage(
                protocolVersion: version,
                parameters: [.init("user", "proxy_scram"), .init("database", "postgres"), .init("_pq_.foo", "bar")]))
        let direct = try await RawSession.exchange(port: server.port, steps: [[startup], [.terminate]])
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let proxied = try await RawSession.exchange(port: harness.port, steps: [[startup], [.terminate]])
        let log = try await harness.stop()
        let negotiation = BackendMessage.negotiateProtocolVersion(
            NegotiateProtocolVersion(
                newestMinorVersion: ProtocolVersion.v3_0.rawValue, unrecognizedOptions: ["_pq_.foo"]))
        #expect(direct.filter { $0.typeName == "NegotiateProtocolVersion" } == [negotiation], "\(direct)")
        #expect(proxied.filter { $0.typeName == "NegotiateProtocolVersion" } == [negotiation], "\(proxied)")
        #expect(proxied.map(\.typeName) == direct.map(\.typeName), "\(proxied) vs \(direct)")
        let startupLine = try #require(log.first { $0.contains(" F StartupMessage") })
        #expect(startupLine.contains("_pq_.foo"), "\(startupLine)")
        #expect(log.filter { $0.contains(" B NegotiateProtocolVersion") }.count == 1, "\(log)")
    }

    /// An upstream host name that does not resolve: FATAL 08006 in libpq's words, with a hint about the name rather
    /// than "is the upstream server running".
    @Test func unresolvableUpstreamIsDescribedAsLibpqDoes() async throws {
        let harness = try await ProxyHarness.start(
            upstream: UpstreamServer(host: "nosuchhost.invalid", port: 5432), format: .text)
        let replies = try await RawSession.exchange(
            port: harness.port,
            steps: [[.startup(StartupMessage(protocolVersion: .v3_0, parameters: [.init("user", "a")]))]])
        let log = try await harness.stop()
        guard case .errorResponse(let error) = try #require(replies.first) else {
            Issue.record("expected an ErrorResponse, got \(replies)")
            return
        }
        #expect(error.severity == "FATAL")
        #expect(error.sqlState == "08006")
        let message = try #require(error.message)
        #expect(
            message.hasPrefix(
                "could not connect to the upstream server nosuchhost.invalid:5432: could not translate host name "
                    + "\"nosuchhost.invalid\" to address: "),
            "\(message)")
        #expect(!message.contains("SocketAddressError"), "\(message)")
        #expect(error[.hint] == "Give the proxy an upstream host name this machine resolves, or an IP address.")
        #expect(log.contains { $0.contains("could not translate host name \"nosuchhost.invalid\"") }, "\(log)")
    }

    @Test func pgbenchSimpleExtendedAndPreparedWorkThroughTheProxy() async throws {
        let server = try PostgresServerTrait.server()
        try await server.runAdministrativeSQL("CREATE DATABASE bench OWNER proxy_scram")
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        let pgbench = try server.installation.executable("pgbench")
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "scram-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let connection = ["-h", "127.0.0.1", "-p", String(harness.port), "-U", "proxy_scram", "bench"]
        let initialize = try await SubprocessCommand(
            pgbench, ["-i", "-s", "1", "-q"] + connection, environment: environment
        ).run()
        #expect(initialize.succeeded, "\(initialize)")
        for mode in ["simple", "extended", "prepared"] {
            let run = try await SubprocessCommand(
                pgbench, ["-n", "-S", "-M", mode, "-c", "2", "-t", "20"] + connection, environment: environment
            ).run()
            #expect(run.succeeded && run.standardOutput.contains("number of failed transactions: 0"), "\(run)")
        }
        // A connection per transaction: the server often closes (after the client's Terminate) before the client
        // does; the session still ended by the client's Terminate.
        let reconnecting = try await SubprocessCommand(
            pgbench, ["-n", "-S", "-C", "-c", "2", "-t", "40"] + connection, environment: environment
        ).run()
        #expect(reconnecting.succeeded, "\(reconnecting)")
        let log = try await harness.stop()
        #expect(
            log.filter { $0.contains("server closed the connection") }.isEmpty,
            "\(log.filter { $0.contains("closed") })")
        let types = Set(log.compactMap { Self.messageType(ofTextLine: $0) })
        let expected: Set<String> = [
            "F Parse", "F Bind", "F Execute", "F Sync", "F Describe", "B ParseComplete", "B BindComplete",
            "F CopyData", "B CopyInResponse",
        ]
        #expect(expected.subtracting(types).isEmpty, "missing: \(expected.subtracting(types))")
        #expect(log.filter { $0.contains("client terminated the session") }.count >= 87)
    }

    /// `F Query` from `04:30:00.123456 #1 F Query "select 1"`.
    static func messageType(ofTextLine line: String) -> String? {
        let parts = line.split(separator: " ", maxSplits: 4)
        guard parts.count >= 4, parts[2] == "F" || parts[2] == "B" else { return nil }
        return "\(parts[2]) \(parts[3])"
    }
}
