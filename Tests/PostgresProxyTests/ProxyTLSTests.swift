import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresGateway
import PostgresProxy
import PostgresTLS
import PostgresTestSupport
import PostgresWire
import Testing

/// Both legs TLS against a PostgreSQL that only takes SCRAM over TLS: the proxy asks psql for its password over
/// the TLS client leg and logs in upstream with SCRAM-SHA-256-PLUS and verify-full.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-tls",
            hostBasedAuthentication: [
                "hostssl all proxy_tls 127.0.0.1/32 scram-sha-256", "hostssl all proxy_cert 127.0.0.1/32 cert",
            ],
            trustsOtherLoopbackConnections: false,
            serverSettings: [
                "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'ca.crt'",
            ],
            dataDirectoryFiles: [
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("ca.crt")), name: "ca.crt", permissions: 0o644),
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.crt")), name: "server.crt",
                    permissions: 0o644),
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.key")), name: "server.key",
                    permissions: 0o600),
            ],
            roles: [
                .init(name: "proxy_tls", password: "tls-Secret", passwordEncryption: "scram-sha-256"),
                .init(name: "proxy_cert", password: "cert-Secret", passwordEncryption: "scram-sha-256"),
            ])),
    .timeLimit(.minutes(2))
)
struct ProxyTLSTests {
    @Test func bothLegsTLSWithSCRAMPlusUpstream() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try Self.verifiedUpstream(server)
        #expect(upstream.requiresTLS)
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        let psql = try server.installation.executable("psql")
        let connection =
            "host=127.0.0.1 port=\(harness.port) user=proxy_tls dbname=postgres sslmode=verify-full "
            + "sslrootcert=\(ProxyTestCertificates.path("ca.crt"))"
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "tls-Secret"
        let session = try await SubprocessCommand(
            psql,
            ["-X", "-w", "-At", connection, "-c", "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
            environment: environment
        ).run()
        environment["PGPASSWORD"] = "wrong"
        let refused = try await SubprocessCommand(
            psql, ["-X", "-w", "-At", connection, "-c", "SELECT 1"], environment: environment
        ).run()
        // psql that requires channel binding closes at the cleartext request: the log says why that may be.
        let channelBound = try await SubprocessCommand(
            psql, ["-X", "-w", "-At", connection + " channel_binding=require", "-c", "SELECT 1"],
            environment: environment
        ).run()
        let log = try await harness.stop()
        #expect(!channelBound.succeeded, "\(channelBound)")
        #expect(
            log.contains { $0.contains("the client closed instead of sending its password (a client that requires") },
            "\(log)")
        #expect(session.succeeded && session.standardOutput.hasPrefix("t|TLSv1."), "\(session)")
        #expect(!refused.succeeded, "\(refused)")
        #expect(
            refused.standardError.contains("password authentication failed for user \"proxy_tls\""), "\(refused)")
        let text = log.joined(separator: "\n")
        #expect(text.contains("authenticating mode: logged in upstream as proxy_tls over TLSv1."), "\(text)")
        #expect(text.contains(" with scram-sha-256 (SCRAM-SHA-256-PLUS, channel bound)"), "\(text)")
        #expect(text.contains("F PasswordMessage ****"), "\(text)")
        #expect(text.contains("client TLS TLSv1."), "\(text)")
        #expect(!text.contains("tls-Secret"))
        #expect(!text.contains("warning"), "the password travels over the TLS client leg")
        #expect(text.contains("B ErrorResponse FATAL 28P01"), "\(text)")
        #expect(text.contains("B DataRow [\"t\""), "\(text)")
    }

    /// psql through an authenticating proxy whose client leg has `server.crt`, with `sslmode` and `extra`
    /// connection keywords, logging in as `proxy_tls` and selecting 1.
    static func psqlSelectingOne(
        _ server: PostgresServerFixture, port: Int, sslmode: String, extra: String = ""
    ) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "tls-Secret"
        let connection =
            "host=127.0.0.1 port=\(port) user=proxy_tls dbname=postgres sslmode=\(sslmode) "
            + "sslrootcert=\(ProxyTestCertificates.path("ca.crt")) \(extra)"
        return try await SubprocessCommand(
            try server.installation.executable("psql"), ["-X", "-w", "-At", connection, "-c", "SELECT 1"],
            environment: environment
        ).run()
    }

    /// The authenticating mode's upstream: the test server over TLS, verify-full.
    static func verifiedUpstream(_ server: PostgresServerFixture) throws -> UpstreamServer {
        try UpstreamServer(
            parsing:
                "host=127.0.0.1 port=\(server.port) sslmode=verify-full sslrootcert=\(ProxyTestCertificates.path("ca.crt"))",
            environment: [:])
    }

    /// `--no-tls-require`: with a certificate for the client leg, psql without TLS is relayed too (the proxy asks
    /// it for its password, and the log warns that pgw proxy, not the server, asks for it over a plaintext leg),
    /// and psql asking for TLS gets it; each `opened` line says which. By default the plaintext psql is refused.
    @Test func noTLSRequireRelaysPlaintextClientsToo() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(
            upstream: try Self.verifiedUpstream(server), format: .text, tls: try ProxyTestCertificates.clientLegTLS(),
            requiresClientTLS: false)
        let plaintext = try await Self.psqlSelectingOne(server, port: harness.port, sslmode: "disable")
        let encrypted = try await Self.psqlSelectingOne(server, port: harness.port, sslmode: "require")
        let log = try await harness.stop()
        let required = try await ProxyHarness.start(
            upstream: try Self.verifiedUpstream(server), format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        let refused = try await Self.psqlSelectingOne(server, port: required.port, sslmode: "disable")
        let requiredLog = try await required.stop()
        #expect(plaintext.succeeded && plaintext.standardOutput == "1\n", "\(plaintext)\n\(log)")
        #expect(encrypted.succeeded && encrypted.standardOutput == "1\n", "\(encrypted)\n\(log)")
        let opened = log.filter { $0.contains(" -- opened: ") }
        #expect(opened.count == 2, "\(log)")
        #expect(opened.first?.hasSuffix(" user=proxy_tls database=postgres; client plaintext") == true, "\(opened)")
        #expect(opened.last?.contains("; client TLS TLSv1.") == true, "\(opened)")
        #expect(
            log.filter {
                $0.contains(" -- warning: pgw proxy asks for a cleartext password over a plaintext client leg")
            }
            .count == 1, "\(log)")
        #expect(!log.contains { $0.contains("the server asks") }, "\(log)")
        #expect(!refused.succeeded && refused.standardError.contains("TLS encryption is required"), "\(refused)")
        #expect(!requiredLog.contains { $0.contains("client plaintext") }, "\(requiredLog)")
    }

    /// `--tls-require-client-cert` (with `--tls-ca`): psql without a certificate gets PostgreSQL's FATAL 28000
    /// "connection requires a valid client certificate", which the log shows and counts; psql with one from the
    /// CA is relayed, and its `opened` line (text) or event (JSON, valid by the schema) names the certificate's
    /// subject.
    @Test(arguments: [TrafficLogFormat.text, .json])
    func requiredClientCertificateIsCheckedAndLogged(format: TrafficLogFormat) async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(
            upstream: try Self.verifiedUpstream(server), format: format,
            tls: try ProxyTestCertificates.clientLegTLS(asksForClientCertificates: true),
            requiresClientCertificate: true)
        let missing = FileManager.default.temporaryDirectory.appending(path: "pgw-no-cert-\(UUID().uuidString)").path
        let withoutCertificate = try await Self.psqlSelectingOne(
            server, port: harness.port, sslmode: "verify-full", extra: "sslcert=\(missing).crt sslkey=\(missing).key")
        let withCertificate = try await Self.psqlSelectingOne(
            server, port: harness.port, sslmode: "verify-full",
            extra:
                "sslcert=\(ProxyTestCertificates.path("client.crt")) sslkey=\(ProxyTestCertificates.path("client.key"))"
        )
        let log = try await harness.stop()
        #expect(
            !withoutCertificate.succeeded
                && withoutCertificate.standardError.contains("connection requires a valid client certificate"),
            "\(withoutCertificate)")
        #expect(withCertificate.succeeded && withCertificate.standardOutput == "1\n", "\(withCertificate)\n\(log)")
        if format == .json {
            let objects = try log.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            }
            let opened = objects.filter { $0["event"] as? String == "opened" }
            #expect(opened.map { $0["clientCertificate"] as? String } == [nil, "CN=proxy_cert"], "\(log)")
            let refusal = try #require(objects.first { $0["event"] as? String == "closed" }, "\(log)")
            #expect(refusal["errors"] as? Int == 1, "\(log)")
            #expect(
                objects.contains {
                    $0["connection"] as? Int == refusal["connection"] as? Int
                        && $0["type"] as? String == "ErrorResponse"
                }, "\(log)")
            let problems = try await JSONLinesSchemaValidator.problems(in: log)
            #expect(problems.isEmpty, "\(problems)")
        } else {
            let text = log.joined(separator: "\n")
            #expect(text.contains("#1 B ErrorResponse FATAL 28000"), "\(text)")
            let refusal = "refused: FATAL 28000 connection requires a valid client certificate; F 0 messages 0 bytes, "
            #expect(
                log.contains {
                    $0.contains("#1 -- closed after ") && $0.contains(refusal + "B 1 message ")
                        && $0.hasSuffix(", 1 error")
                }, "\(text)")
            #expect(
                log.contains { $0.contains("#2 -- opened: ") && $0.hasSuffix(" certificate CN=proxy_cert") }, "\(text)"
            )
        }
    }

    /// Connections the proxy refuses or loses before a session are in the traffic log, text and JSON, as `opened`
    /// and `closed` events with the numbers they took and why: a client beyond `--max-connections` (53300), psql
    /// without TLS to a proxy that requires it (28000), a second SSLRequest where the TLS handshake belongs, an
    /// oversized startup packet (08P01), a client that leaves after an `N`. A socket that sends nothing is not.
    @Test(arguments: [TrafficLogFormat.text, .json])
    func connectionsEndedBeforeASessionAreLogged(format: TrafficLogFormat) async throws {
        let server = try PostgresServerTrait.server()
        // An upstream that accepts and never answers: its session holds the one slot until it is closed.
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0.append(channel) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let harness = try await ProxyHarness.start(
            upstream: UpstreamServer(host: "127.0.0.1", port: try #require(silent.localAddress?.port)),
            format: format, tls: try ProxyTestCertificates.clientLegTLS(), maximumConnections: 1)
        let psql = try server.installation.executable("psql")
        func runPSQL(sslmode: String) -> SubprocessCommand {
            var environment = ProcessInfo.processInfo.environment
            environment["PGPASSFILE"] = "/dev/null"
            environment["PGCONNECT_TIMEOUT"] = "60"
            return SubprocessCommand(
                psql,
                [
                    "-X", "-w", "-At",
                    "host=127.0.0.1 port=\(harness.port) user=proxy_tls dbname=postgres sslmode=\(sslmode)", "-c",
                    "SELECT 1",
                ],
                environment: environment, timeout: .seconds(120))
        }
        async let holder = runPSQL(sslmode: "require").run()  // #1
        for _ in 0..<600 where harness.proxy.relayedConnectionCount == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let tooMany = try await runPSQL(sslmode: "require").run()  // #2
        for channel in accepted.withLockedValue({ $0 }) { try? await channel.close() }
        _ = try await holder
        let plaintext = try await runPSQL(sslmode: "disable").run()  // #3
        var sslRequest = ByteBuffer()
        FrontendMessage.sslRequest.encode(into: &sslRequest)
        var gssRequest = ByteBuffer()
        FrontendMessage.gssENCRequest.encode(into: &gssRequest)
        let request = Array(sslRequest.readableBytesView)
        _ = try await RawSession.exchangeBytes(port: harness.port, steps: [request, request])  // #4
        let oversized: [UInt8] = [0, 0, 0x2E, 0xE0, 0, 3, 0, 0]  // a 12000-byte StartupMessage's header
        let refusedLength = try await RawSession.exchangeBytes(port: harness.port, steps: [oversized])  // #5
        let answeredN = try await RawSession.exchangeBytes(
            port: harness.port, steps: [Array(gssRequest.readableBytesView)], waitsForClose: false)  // #6
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: harness.port).get().close()  // #7
        // The last client's close reaches the proxy before it stops (a loaded machine takes seconds).
        let closedMark = format == .json ? "\"event\":\"closed\"" : " -- closed after "
        for _ in 0..<600 {
            let logged = (try? String(contentsOf: harness.logFile, encoding: .utf8)) ?? ""
            if logged.components(separatedBy: closedMark).count > 6 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = try await harness.stop()
        try await silent.close()
        #expect(tooMany.standardError.contains("sorry, too many clients already"), "\(tooMany)")
        #expect(plaintext.standardError.contains("TLS encryption is required"), "\(plaintext)")
        #expect(String(decoding: refusedLength, as: UTF8.self).contains("invalid length of startup packet"))
        #expect(answeredN == [UInt8(ascii: "N")])
        var opened: [Int: String] = [:]
        var closed: [Int: String] = [:]
        var errors: [Int: Int] = [:]
        var errorResponses: [Int: String] = [:]
        for line in log {
            if format == .json {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                guard let number = object["connection"] as? Int else { continue }
                if object["type"] as? String == "ErrorResponse" {
                    errorResponses[number] = (object["fields"] as? [String: Any])?["code"] as? String
                }
                guard let event = object["event"] as? String else { continue }
                if event == "opened" { opened[number] = "\(object["client"] ?? "") \(object["user"] ?? "")" }
                if event == "closed" {
                    closed[number] = object["reason"] as? String
                    errors[number] = object["errors"] as? Int
                }
            } else if let match = line.firstMatch(of: /#(\d+) -- (opened|closed)(.*)/), let number = Int(match.1) {
                if match.2 == "opened" { opened[number] = String(match.3) } else { closed[number] = String(match.3) }
                if let count = line.firstMatch(of: /, (\d+) errors?$/) { errors[number] = Int(count.1) }
            } else if let match = line.firstMatch(of: /#(\d+) B ErrorResponse FATAL (\w+)/), let number = Int(match.1) {
                errorResponses[number] = String(match.2)
            }
        }
        let expected = [
            2: "refused: FATAL 53300 sorry, too many clients already",
            3: "refused: FATAL 28000 TLS encryption is required (connect with sslmode=require or stronger)",
            4: "no session: TLS handshake",
            5: "refused: FATAL 08P01 invalid length of startup packet",
            6: "no session: client disconnected",
        ]
        for (number, reason) in expected {
            #expect(opened[number]?.contains("127.0.0.1:") == true, "#\(number): \(log)")
            #expect(closed[number]?.contains(reason) == true, "#\(number): \(log)")
        }
        #expect(opened[2]?.contains("proxy_tls") == true && opened[3]?.contains("proxy_tls") == true, "\(log)")
        // The FATAL each refused client got is logged as the server's ErrorResponse and counted as an error.
        for (number, code) in [2: "53300", 3: "28000", 5: "08P01"] {
            #expect(errorResponses[number] == code && errors[number] == 1, "#\(number): \(log)")
        }
        #expect(errors[4] == 0 && errors[6] == 0 && errorResponses[4] == nil, "\(log)")
        #expect(opened[7] == nil && closed[7] == nil, "\(log)")
    }

    /// Arguments: port, user, password. Logs in with pg8000 over TLS (no certificate check) and prints the role,
    /// or the SQLSTATE and message it was refused with.
    static let pg8000LoginScript = """
        import sys, ssl, pg8000.native
        port, user, password = sys.argv[1:4]
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            conn = pg8000.native.Connection(user, host="127.0.0.1", port=int(port), password=password,
                                            database="postgres", ssl_context=context)
            print("logged in as", conn.run("select current_user")[0][0])
            conn.close()
        except pg8000.native.DatabaseError as error:
            print("refused", error.args[0]["C"], error.args[0]["M"])
        """

    /// An empty password is refused as PostgreSQL refuses it (28P01, the same words for a role that exists and one
    /// that does not), though the proxy's password file and PGPASSWORD hold the role's password: only the
    /// client's password logs in upstream.
    @Test func emptyPasswordIsRefusedWhateverTheProxysPasswordFileHolds() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = directory.appending(path: "pgpass").path
        try Data("*:*:*:proxy_tls:tls-Secret\n".utf8).write(to: URL(filePath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(server.port) sslmode=require",
            environment: ["PGPASSFILE": passwordFile, "PGPASSWORD": "tls-Secret", "HOME": directory.path])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        func login(_ user: String, _ password: String) async throws -> String {
            try await PythonClientScripts.run(
                Self.pg8000LoginScript, module: "pg8000", arguments: [String(harness.port), user, password]
            ).standardOutput
        }
        let empty = try await login("proxy_tls", "")
        let unknown = try await login("no_such_role", "")
        let wrong = try await login("proxy_tls", "wrong")
        let right = try await login("proxy_tls", "tls-Secret")
        let log = try await harness.stop()
        #expect(empty == "refused 28P01 password authentication failed for user \"proxy_tls\"\n", "\(empty)")
        #expect(unknown == "refused 28P01 password authentication failed for user \"no_such_role\"\n", "\(unknown)")
        #expect(wrong == "refused 28P01 password authentication failed for user \"proxy_tls\"\n", "\(wrong)")
        #expect(right == "logged in as proxy_tls\n", "\(right)")
        #expect(log.contains { $0.contains(" s: the client sent an empty password;") }, "\(log)")
        #expect(!log.joined().contains("tls-Secret"))
    }

    /// In the authenticating mode, a malformed answer to the password request gets PostgreSQL's FATAL 08P01 (a
    /// PasswordMessage with bytes after its password: "invalid password packet size"; another message: "expected
    /// password response"), not a silent close.
    @Test(arguments: [
        ("p", "hunter3\\0extra", "invalid password packet size"),
        ("Q", "select 1\\0", "expected password response, got message type 81"),
    ])
    func malformedPasswordAnswersGet08P01(type: String, body: String, message: String) async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(server.port) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        defer { harness.removeFiles() }
        let client = """
            import socket, ssl, sys
            raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
            raw.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
            assert raw.recv(1) == b"S"
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            s = context.wrap_socket(raw)
            body = (196608).to_bytes(4, "big") + b"user\\0proxy_tls\\0database\\0postgres\\0\\0"
            s.sendall((4 + len(body)).to_bytes(4, "big") + body)
            s.recv(9)  # AuthenticationCleartextPassword
            payload = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
            s.sendall(sys.argv[2].encode() + (4 + len(payload)).to_bytes(4, "big") + payload)
            reply = b""
            try:
                while chunk := s.recv(4096):
                    reply += chunk
            except (ssl.SSLError, OSError):
                pass
            print(reply.decode("latin-1"))
            """
        let python = try PostgresInstallation.executableOnPath("python3")
        let outcome = try await SubprocessCommand(
            python, ["-c", client, String(harness.port), type, body], timeout: .seconds(60)
        ).run()
        _ = try await harness.stop()
        #expect(outcome.standardOutput.contains("C08P01"), "\(outcome)")
        #expect(outcome.standardOutput.contains("M\(message)"), "\(outcome)")
    }

    /// The proxy's client certificate never stands in for the client's password: libpq's default one (in the
    /// proxy's home) is not presented, so the upstream's `cert` rule refuses; one the connection string names is,
    /// and the login the upstream then grants without a password is refused by the proxy.
    @Test func theProxysClientCertificateDoesNotLogClientsIn() async throws {
        let server = try PostgresServerTrait.server()
        let home = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-home-\(UUID().uuidString)")
        let defaults = home.appending(path: ".postgresql")
        try FileManager.default.createDirectory(at: defaults, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        for (source, name) in [("client.crt", "postgresql.crt"), ("client.key", "postgresql.key")] {
            try FileManager.default.copyItem(
                atPath: ProxyTestCertificates.path(source), toPath: defaults.appending(path: name).path)
        }
        let base = "host=127.0.0.1 port=\(server.port) sslmode=require"
        let named =
            "\(base) sslcert=\(ProxyTestCertificates.path("client.crt")) "
            + "sslkey=\(ProxyTestCertificates.path("client.key"))"
        var outputs: [String] = []
        var logs: [String] = []
        for text in [base, named] {
            let harness = try await ProxyHarness.start(
                upstream: try UpstreamServer(parsing: text, environment: ["HOME": home.path]), format: .text,
                tls: try ProxyTestCertificates.clientLegTLS())
            outputs.append(
                try await PythonClientScripts.run(
                    Self.pg8000LoginScript, module: "pg8000", arguments: [String(harness.port), "proxy_cert", "guess"]
                ).standardOutput)
            logs.append(try await harness.stop().joined(separator: "\n"))
        }
        #expect(outputs[0].hasPrefix("refused 28000 connection requires a valid client certificate"), "\(outputs)")
        #expect(outputs[1].hasPrefix("refused 28000 pgw proxy: the upstream logged in \"proxy_cert\""), "\(outputs)")
        #expect(logs[1].contains("upstream login made by the proxy's client certificate alone: refused"), "\(logs[1])")
    }

    /// In the authenticating mode a client asking for protocol 3.2 with a `_pq_.` option gets one
    /// NegotiateProtocolVersion (3.0, the option unrecognized: the upstream login is 3.0), then the password
    /// request, and its session works; the log shows the StartupMessage and the negotiation as sent.
    @Test func authenticatingModeNegotiatesOnce() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(server.port) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(upstream: upstream, format: .text)
        let startup = FrontendMessage.startup(
            StartupMessage(
                protocolVersion: .v3_2,
                parameters: [.init("user", "proxy_tls"), .init("database", "postgres"), .init("_pq_.foo", "bar")]))
        let replies = try await RawSession.exchange(
            port: harness.port,
            steps: [
                [startup], [.password(PasswordMessage(password: "tls-Secret"))],
                [.query(Query("SELECT 1")), .terminate],
            ])
        let log = try await harness.stop()
        #expect(
            replies.prefix(2)
                == [
                    .negotiateProtocolVersion(
                        NegotiateProtocolVersion(
                            newestMinorVersion: ProtocolVersion.v3_0.rawValue, unrecognizedOptions: ["_pq_.foo"])),
                    .authentication(.cleartextPassword),
                ], "\(replies)")
        #expect(replies.filter { $0.typeName == "NegotiateProtocolVersion" }.count == 1, "\(replies)")
        #expect(replies.contains { $0.typeName == "DataRow" }, "\(replies) \(log)")
        #expect(log.first { $0.contains(" F StartupMessage") }?.contains("_pq_.foo") == true, "\(log)")
        #expect(log.filter { $0.contains(" B NegotiateProtocolVersion") }.count == 1, "\(log)")
    }

    /// In the authenticating mode every startup parameter the client sent reaches the upstream: psql's `PGTZ`
    /// (`TimeZone`) shows a timestamp in Tokyo time as a direct connection does, and a raw StartupMessage's
    /// `search_path`, `client_encoding`, `TimeZone` and `DateStyle` are the session's settings.
    @Test func authenticatingModePassesOnEveryStartupParameter() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(server.port) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(upstream: upstream, format: .text)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "tls-Secret"
        environment["PGTZ"] = "Asia/Tokyo"
        let tokyo = try await SubprocessCommand(
            try server.installation.executable("psql"),
            [
                "-X", "-w", "-At", "host=127.0.0.1 port=\(harness.port) user=proxy_tls dbname=postgres sslmode=disable",
                "-c", "select '2020-01-01 00:00:00+00'::timestamptz",
            ],
            environment: environment
        ).run()
        let startup = FrontendMessage.startup(
            StartupMessage(
                protocolVersion: .v3_0,
                parameters: [
                    .init("user", "proxy_tls"), .init("database", "postgres"),
                    .init("search_path", "pg_catalog, public"),
                    .init("client_encoding", "LATIN1"), .init("TimeZone", "Asia/Tokyo"), .init("DateStyle", "German"),
                ]))
        let replies = try await RawSession.exchange(
            port: harness.port,
            steps: [
                [startup], [.password(PasswordMessage(password: "tls-Secret"))],
                [
                    .query(
                        Query(
                            "select current_setting('search_path'), current_setting('TimeZone'), "
                                + "'2020-01-02'::date")), .terminate,
                ],
            ])
        let log = try await harness.stop()
        #expect(tokyo.standardOutput == "2020-01-01 09:00:00+09\n", "\(tokyo)")
        var settings: [String: String] = [:]
        var rows: [[String?]] = []
        for reply in replies {
            if case .parameterStatus(let status) = reply { settings[status.name] = status.value }
            if case .dataRow(let row) = reply { rows.append(row.columns.map { $0.map { String(buffer: $0) } }) }
        }
        #expect(settings["client_encoding"] == "LATIN1", "\(replies)")
        #expect(settings["TimeZone"] == "Asia/Tokyo", "\(replies)")
        #expect(settings["DateStyle"] == "German, DMY", "\(replies)")
        #expect(rows == [["pg_catalog, public", "Asia/Tokyo", "02.01.2020"]], "\(replies) \(log)")
    }

    /// `--pcap` holds an authenticating-mode session (the client leg, between the client's and the proxy's
    /// addresses), also when the upstream is given by a host name.
    @Test func captureHoldsTheClientLegOfAnAuthenticatingSession() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing: "host=localhost port=\(server.port) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, capturing: true, tls: try ProxyTestCertificates.clientLegTLS())
        defer { harness.removeFiles() }
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "tls-Secret"
        let session = try await SubprocessCommand(
            try server.installation.executable("psql"),
            [
                "-X", "-w", "-At", "host=127.0.0.1 port=\(harness.port) user=proxy_tls dbname=postgres sslmode=require",
                "-c", "SELECT 'captured' AS marker",
            ],
            environment: environment
        ).run()
        _ = try await harness.stop()
        #expect(session.succeeded, "\(session)")
        let captureFile = try #require(harness.captureFile)
        let tshark = try PostgresInstallation.executableOnPath("tshark")
        let dissected = try await SubprocessCommand(
            tshark,
            [
                "-r", captureFile.path, "-d", "tcp.port==\(harness.port),pgsql", "-Y", "pgsql", "-T", "fields",
                "-e", "pgsql.type", "-e", "pgsql.query", "-E", "occurrence=a", "-E", "aggregator=|",
            ],
            environment: environment.merging(["HOME": NSTemporaryDirectory()]) { $1 }
        ).run()
        #expect(dissected.succeeded, "\(dissected)")
        #expect(dissected.standardOutput.contains("SELECT 'captured' AS marker"), "\(dissected)")
        #expect(dissected.standardOutput.contains("Authentication request"), "\(dissected)")
    }

    /// Arguments: port, user, password. Prints whether the process ID psycopg holds is the upstream backend's and
    /// its own notifications' (the proxy issues its own secret only), the outcome of a cancelled pg_sleep, and a
    /// marker row.
    static let cancelScript = """
        import sys, threading, time, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="require", autocommit=True)
        pid = conn.execute("select pg_backend_pid()").fetchone()[0]
        conn.execute("listen mine")
        conn.execute("notify mine")
        notified = next(conn.notifies(timeout=5, stop_after=1)).pid
        print("upstream pid", conn.info.backend_pid == pid == notified)
        \(PythonClientScripts.cancelledSleep)
        cancelled_sleep(conn)
        print(conn.execute("select 'through both legs' as marker").fetchone()[0])
        conn.close()
        """

    /// `--keylog`: both legs' TLS secrets go to one key log (0600), with which tshark decrypts a tcpdump capture of
    /// both legs and finds the same statement in each; the client holds the upstream's process ID with the proxy's
    /// secret, which reaches the upstream as the upstream's own key.
    @Test func keyLogDecryptsBothLegsAndTheProxyIssuesCancelKeys() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-keylog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyLog = directory.appending(path: "keys.log").path
        let upstream = try UpstreamServer(
            parsing:
                "host=127.0.0.1 port=\(server.port) sslmode=verify-full sslrootcert=\(ProxyTestCertificates.path("ca.crt"))",
            environment: [:])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text,
            tls: try ProxyTestCertificates.clientLegTLS(keyLog: TLSKeyLog(path: keyLog)),
            upstreamKeyLogFile: keyLog)
        let capture = directory.appending(path: "legs.pcap").path
        let tcpdump = try await TCPDumpRecording(ports: [harness.port, server.port], path: capture)
        let outcome = try await PythonClientScripts.run(
            Self.cancelScript, module: "psycopg", arguments: [String(harness.port), "proxy_tls", "tls-Secret"])
        try await tcpdump.stop()
        let log = try await harness.stop()
        #expect(outcome.standardOutput == "upstream pid True\ncancelled 57014 True\nthrough both legs\n", "\(outcome)")
        #expect(log.contains { $0.contains("CancelRequest forwarded to 127.0.0.1:\(server.port)") }, "\(log)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyLog)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let keyLines = try String(contentsOfFile: keyLog, encoding: .utf8).split(separator: "\n")
        let clientRandoms = Set(
            keyLines.filter { $0.hasPrefix("CLIENT_TRAFFIC_SECRET_0 ") }.map { $0.split(separator: " ")[1] })
        #expect(clientRandoms.count >= 2, "a TLS 1.3 session per leg: \(keyLines)")
        let tshark = try PostgresInstallation.executableOnPath("tshark")
        let dissected = try await SubprocessCommand(
            tshark,
            [
                "-r", capture, "-o", "tls.keylog_file:\(keyLog)", "-d", "tcp.port==\(harness.port),pgsql", "-d",
                "tcp.port==\(server.port),pgsql", "-Y", "pgsql.query", "-T", "fields", "-e", "tcp.dstport", "-e",
                "pgsql.query",
            ]
        ).run()
        #expect(dissected.succeeded, "\(dissected)")
        let queries = dissected.standardOutput.split(separator: "\n").map(String.init)
        #expect(queries.contains("\(harness.port)\tselect 'through both legs' as marker"), "\(queries)")
        #expect(queries.contains("\(server.port)\tselect 'through both legs' as marker"), "\(queries)")
    }
}
