import Foundation
import Logging
import PostgresClient
import PostgresTLS
import PostgresTestSupport
import PostgresWire
import Testing

/// The client against real PostgreSQL 15 servers (``ClientTestServers``), compared with psql where psql can say.
@Suite(.timeLimit(.minutes(2)))
struct RealPostgresClientTests {
    static let logger = Logger(label: "pgw.client.tests")

    /// Connects with `conninfo` and `HOME` set to an empty directory, as ``ClientTestServers/psqlUsesTLS(_:)``
    /// runs psql.
    static func connect(_ conninfo: String, environment: [String: String] = [:]) async throws
        -> PostgresClientConnection
    {
        let home = try TemporaryDirectory()
        let options = try ConnectionOptions(
            conninfo, environment: environment.merging(["HOME": home.url.path]) { first, _ in first })
        return try await PostgresClientConnection.connect(options, logger: logger)
    }

    /// The TLS-ness of a connection made with `conninfo`, `nil` when it failed, with the error.
    static func outcome(_ conninfo: String) async -> (usesTLS: Bool?, error: (any Error)?) {
        do {
            let connection = try await connect(conninfo)
            await connection.close()
            return (connection.tlsInfo != nil, nil)
        } catch {
            return (nil, error)
        }
    }

    /// Runs `sql` with the simple query protocol and returns the first column of every row, failing on an error.
    static func query(_ sql: String, on connection: PostgresClientConnection) async throws -> [String?] {
        let messages = try await connection.messages()
        try await connection.send(.query(Query(sql)))
        var values: [String?] = []
        for try await message in messages {
            switch message {
            case .dataRow(let row): values.append(row.columns.first.flatMap { $0.map { String(buffer: $0) } })
            case .errorResponse(let error): throw PostgresClientError(.server(error))
            case .readyForQuery: return values
            default: break
            }
        }
        throw PostgresClientError(.closed)
    }

    // MARK: TLS

    @Test(arguments: SSLMode.allCases, [true, false])
    func sslModeBehavesAsPsql(mode: SSLMode, serverHasTLS: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let port = serverHasTLS ? servers.tlsPort : servers.plainPort
        let conninfo =
            "host=localhost hostaddr=127.0.0.1 port=\(port) user=trust_user dbname=postgres sslmode=\(mode.rawValue) "
            + "sslrootcert=\(pki.path("ca.crt")) gssencmode=disable"
        let psql = try await ClientTestServers.psqlUsesTLS(conninfo)
        let pgw = await Self.outcome(conninfo)
        #expect(pgw.usesTLS == psql, "psql: \(String(describing: psql)), pgw: \(String(describing: pgw.error))")
        let expected: Bool? =
            serverHasTLS ? (mode == .disable || mode == .allow ? false : true) : (mode.requiresTLS ? nil : false)
        #expect(pgw.usesTLS == expected)
        if !serverHasTLS && mode.requiresTLS {
            #expect("\(pgw.error!)".hasSuffix("failed: server does not support SSL, but SSL was required"))
        }
    }

    /// `prefer` retries without TLS when the server refuses the TLS connection; `allow` retries with TLS when it
    /// refuses the plaintext one: as psql does.
    @Test(arguments: [("prefer", "nossl_only", false), ("allow", "ssl_only", true)])
    func fallbacksBehaveAsPsql(mode: String, user: String, usesTLS: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let conninfo =
            "host=127.0.0.1 port=\(servers.tlsPort) user=\(user) dbname=postgres sslmode=\(mode) gssencmode=disable"
        #expect(try await ClientTestServers.psqlUsesTLS(conninfo) == usesTLS)
        let pgw = await Self.outcome(conninfo)
        #expect(pgw.usesTLS == usesTLS, "\(String(describing: pgw.error))")
    }

    @Test func verifyFullChecksTheHostNameAndSendsSNI() async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let base =
            "hostaddr=127.0.0.1 port=\(servers.tlsPort) user=trust_user dbname=postgres sslmode=verify-full sslrootcert=\(pki.path("ca.crt"))"
        let connection = try await Self.connect("host=localhost " + base)
        #expect(connection.tlsInfo?.serverName == "localhost")
        #expect(connection.tlsInfo?.peerCertificate?.subject.contains("localhost") == true)
        await connection.close()

        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect("host=wrong.pgw.test " + base)
        }
        #expect(
            error.reason
                == .tls(
                    .hostNameMismatch(
                        message:
                            "server certificate for \"localhost\" (and 1 other name) does not match host name "
                            + "\"wrong.pgw.test\"")))
        // libpq names the server by hostaddr when one is given, and words the mismatch the same way.
        #expect(try await ClientTestServers.psqlError("host=wrong.pgw.test " + base) == "\(error)")
    }

    /// `ssl_min_protocol_version=TLSv1.3` and `sslkeylogfile`, which logs the session's secrets.
    @Test func tlsVersionFloorAndKeyLog() async throws {
        let servers = try await ClientTestServers.running()
        let directory = try TemporaryDirectory()
        let connection = try await Self.connect(
            "host=127.0.0.1 port=\(servers.tlsPort) user=trust_user dbname=postgres sslmode=require "
                + "ssl_min_protocol_version=TLSv1.3 sslkeylogfile=\(directory.path("keys.log"))")
        #expect(connection.tlsInfo?.protocolVersion == "TLSv1.3")
        await connection.close()
        let log = try String(contentsOfFile: directory.path("keys.log"), encoding: .utf8)
        #expect(log.contains("CLIENT_TRAFFIC_SECRET_0"))
    }

    @Test func verifyCAWithoutRootCertificateFailsAsLibpq() async throws {
        let servers = try await ClientTestServers.running()
        let conninfo =
            "host=127.0.0.1 port=\(servers.tlsPort) user=trust_user sslmode=verify-ca sslrootcert=/nonexistent/root.crt"
        let error = try await #require(throws: PostgresClientError.self) { try await Self.connect(conninfo) }
        // psql 15's hint predates sslrootcert=system; pgw gives libpq 16's, which names it.
        let psql = try #require(try await ClientTestServers.psqlError(conninfo))
        #expect("\(error)".split(separator: "\n").first == psql.split(separator: "\n").first)
        #expect(
            "\(error)"
                == "connection to server at \"127.0.0.1\", port \(servers.tlsPort) failed: root certificate file "
                + "\"/nonexistent/root.crt\" does not exist\nEither provide the file, use the system's trusted roots "
                + "with sslrootcert=system, or change sslmode to disable server certificate verification.")
    }

    @Test func clientCertificateLogsInWithCertMethod() async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let base = "host=127.0.0.1 port=\(servers.tlsPort) user=cert_user dbname=postgres sslmode=require"
        let connection = try await Self.connect(
            base + " sslcert=\(pki.path("client.crt")) sslkey=\(pki.path("client.key"))")
        #expect(try await Self.query("select current_user", on: connection) == ["cert_user"])
        await connection.close()
        let error = try await #require(throws: PostgresClientError.self) { try await Self.connect(base) }
        #expect(error.serverError?.sqlState == "28000", "\(error)")
        let withheld = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(
                base + " sslcert=\(pki.path("client.crt")) sslkey=\(pki.path("client.key")) sslcertmode=disable")
        }
        #expect(withheld.serverError?.sqlState == "28000", "\(withheld)")
    }

    /// Client keys by owner and mode, run as root: psql and the client accept or refuse the same ones, with libpq's
    /// message (a key owned by root may be 0640, one owned by anyone else must be 0600 or stricter).
    @Test(
        .enabled(if: geteuid() == 0 && getpwnam("postgres") != nil, "needs root and a postgres user"),
        arguments: [
            ("root", 0o600, true), ("root", 0o640, true), ("root", 0o644, false), ("postgres", 0o600, true),
            ("postgres", 0o640, false), ("postgres", 0o644, false),
        ])
    func clientKeyPermissionsAsPsql(owner: String, mode: Int, accepted: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let directory = try TemporaryDirectory()
        try directory.write(
            try String(contentsOfFile: pki.path("client.key"), encoding: .utf8), to: "k.key", permissions: mode)
        let key = directory.path("k.key")
        #expect(chown(key, owner == "root" ? 0 : getpwnam("postgres")!.pointee.pw_uid, 0) == 0)
        let conninfo =
            "host=127.0.0.1 port=\(servers.tlsPort) user=cert_user dbname=postgres sslmode=require "
            + "sslcert=\(pki.path("client.crt")) sslkey=\(key)"
        let psqlError = try await ClientTestServers.psqlError(conninfo)
        #expect((psqlError == nil) == accepted, "\(psqlError ?? "psql connected")")
        do {
            let connection = try await Self.connect(conninfo)
            #expect(accepted)
            await connection.close()
        } catch {
            #expect(!accepted)
            #expect("\(error)" == psqlError)
        }
    }

    @Test func encryptedClientKeyNeedsSslpassword() async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let base =
            "host=127.0.0.1 port=\(servers.tlsPort) user=cert_user dbname=postgres sslmode=require "
            + "sslcert=\(pki.path("client.crt")) sslkey=\(pki.path("client-encrypted.key"))"
        let connection = try await Self.connect(base + " sslpassword='\(ClientTestPKI.clientKeyPassphrase)'")
        #expect(try await Self.query("select current_user", on: connection) == ["cert_user"])
        await connection.close()
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(base + " sslpassword=wrong")
        }
        guard case .tls = error.reason else {
            Issue.record("expected a TLS error, got \(error)")
            return
        }
    }

    /// With `gssencmode=prefer`, GSSENCRequest goes first; Debian's PostgreSQL (built with GSSAPI) accepts it, so
    /// the client connects again without it, as libpq does when GSSAPI encryption cannot be set up.
    @Test func gssEncryptionPreferredFallsBack() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await Self.connect(
            "host=127.0.0.1 port=\(servers.tlsPort) user=trust_user dbname=postgres gssencmode=prefer sslmode=require")
        #expect(connection.tlsInfo != nil)
        await connection.close()
    }

    // MARK: Authentication

    @Test(arguments: ["trust_user", "password_user", "md5_user", "scram_user"], [false, true])
    func passwordMethodsWithRightAndWrongPasswords(user: String, overTLS: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let base =
            "host=127.0.0.1 port=\(overTLS ? servers.tlsPort : servers.plainPort) user=\(user) dbname=postgres "
            + "sslmode=\(overTLS ? "require" : "disable")"
        let password = ClientTestServers.passwords[user]
        let connection = try await Self.connect(base + (password.map { " password=\($0)" } ?? ""))
        #expect(try await Self.query("select current_user", on: connection) == [user])
        #expect(connection.backendKey?.secretKey.count == 4)
        #expect(connection.serverParameters["server_version"]?.hasPrefix("15") == true)
        #expect((connection.tlsInfo != nil) == overTLS)
        #expect(connection.session.isChannelBound == (user == "scram_user" && overTLS))
        await connection.close()
        guard password != nil else { return }
        let wrong = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(base + " password=wrong")
        }
        #expect(wrong.serverError?.sqlState == "28P01", "\(wrong)")
        #expect("\(wrong)".contains("FATAL:  password authentication failed for user \"\(user)\""), "\(wrong)")
        let missing = try await #require(throws: PostgresClientError.self) { try await Self.connect(base) }
        #expect(missing.reason == .passwordNeeded, "\(missing)")
        #expect("\(missing)".contains("failed: fe_sendauth: no password supplied"), "\(missing)")
    }

    /// The negotiated SASL mechanism is among the connection's facts, and `pgw repl`'s banner names it:
    /// SCRAM-SHA-256-PLUS over TLS unless `channel_binding=disable`.
    @Test(arguments: [
        ("disable", "scram-sha-256"), ("prefer", "scram-sha-256-plus"), ("require", "scram-sha-256-plus"),
    ])
    func negotiatedMechanismIsShown(channelBinding: String, shown: String) async throws {
        let servers = try await ClientTestServers.running()
        let conninfo =
            "host=127.0.0.1 port=\(servers.tlsPort) user=scram_user dbname=postgres sslmode=require "
            + "password=\(ClientTestServers.passwords["scram_user"]!) channel_binding=\(channelBinding)"
        let connection = try await Self.connect(conninfo)
        #expect(connection.session.saslMechanism == shown.uppercased())
        #expect(connection.session.authenticationName == shown)
        await connection.close()
        let home = try TemporaryDirectory()
        let repl = try await SubprocessCommand(
            try PGWExecutable.url(), ["repl", "-w", conninfo], environment: ["HOME": home.url.path],
            standardInput: Data(), timeout: .seconds(30)
        ).run()
        let banner = repl.standardOutput.split(separator: "\n").first ?? ""
        #expect(banner.hasSuffix(", TLSv1.3, authentication \(shown)"), "\(repl)")
    }

    @Test func channelBindingRequiredNeedsTLS() async throws {
        let servers = try await ClientTestServers.running()
        let password = ClientTestServers.passwords["scram_user"]!
        let overTLS = try await Self.connect(
            "host=127.0.0.1 port=\(servers.tlsPort) user=scram_user dbname=postgres password=\(password) channel_binding=require"
        )
        #expect(overTLS.session.isChannelBound)
        await overTLS.close()
        let plaintextConninfo =
            "host=127.0.0.1 port=\(servers.plainPort) user=scram_user dbname=postgres password=\(password) "
            + "channel_binding=require"
        let plaintext = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(plaintextConninfo)
        }
        #expect(plaintext.reason == .authentication("channel binding required, but SSL not in use"))
        #expect(try await ClientTestServers.psqlError(plaintextConninfo) == "\(plaintext)")
    }

    @Test func passwordFileSuppliesThePassword() async throws {
        let servers = try await ClientTestServers.running()
        let directory = try TemporaryDirectory()
        try directory.write(
            "127.0.0.1:\(servers.plainPort):*:scram_user:\(ClientTestServers.passwords["scram_user"]!)\n", to: "pgpass",
            permissions: 0o600)
        let connection = try await Self.connect(
            "host=127.0.0.1 port=\(servers.plainPort) user=scram_user dbname=postgres",
            environment: ["PGPASSFILE": directory.path("pgpass")])
        #expect(connection.target.passwordFile == directory.path("pgpass"))
        await connection.close()
    }

    /// Password files that match or not, as libpq reads them: psql and the client agree on each.
    @Test(arguments: [
        ("127.0.0.1:PORT:*:scram_user:PASSWORD", 0o600, true),
        ("*:*:*:*:PASSWORD", 0o600, true),
        ("localhost:PORT:*:scram_user:PASSWORD", 0o600, false),
        ("127.0.0.1:*:postgres:scram_user:PASSWORD", 0o600, true),
        ("127.0.0.1:*:other:scram_user:PASSWORD", 0o600, false),
        ("127\\.0.0.1:PORT:*:scram\\_user:PASSWORD", 0o600, true),
        ("# 127.0.0.1:PORT:*:scram_user:wrong\n*:*:*:scram_user:PASSWORD", 0o600, true),
        ("*:*:*:*:PASSWORD", 0o644, false),
        ("127.0.0.1:PORT:*:scram_user:PASSWORD:extra", 0o600, true),
    ])
    func passwordFileMatchesAsPsql(line: String, permissions: Int, logsIn: Bool) async throws {
        let servers = try await ClientTestServers.running()
        let directory = try TemporaryDirectory()
        let contents = line.replacing("PORT", with: "\(servers.plainPort)")
            .replacing("PASSWORD", with: ClientTestServers.passwords["scram_user"]!)
        try directory.write(contents + "\n", to: "pgpass", permissions: permissions)
        let conninfo = "host=127.0.0.1 port=\(servers.plainPort) user=scram_user dbname=postgres sslmode=disable"
        let environment = ["PGPASSFILE": directory.path("pgpass")]
        #expect((try await ClientTestServers.psqlUsesTLS(conninfo, environment: environment) != nil) == logsIn)
        do {
            let connection = try await Self.connect(conninfo, environment: environment)
            #expect(logsIn)
            await connection.close()
        } catch {
            #expect(!logsIn, "\(error)")
        }
    }

    /// An empty connection string with everything in `PG*` variables, and a `pg_service.conf` service: psql and
    /// the client reach the same server the same way.
    @Test func environmentAndServiceFileAsPsql() async throws {
        let servers = try await ClientTestServers.running()
        let pki = try ClientTestPKI.shared()
        let environment = [
            "PGHOST": "localhost", "PGHOSTADDR": "127.0.0.1", "PGPORT": "\(servers.tlsPort)", "PGUSER": "scram_user",
            "PGDATABASE": "postgres", "PGPASSWORD": ClientTestServers.passwords["scram_user"]!,
            "PGSSLMODE": "verify-full", "PGSSLROOTCERT": pki.path("ca.crt"),
        ]
        #expect(try await ClientTestServers.psqlUsesTLS("", environment: environment) == true)
        let fromEnvironment = try await Self.connect("", environment: environment)
        #expect(fromEnvironment.tlsInfo != nil && fromEnvironment.target.port == servers.tlsPort)
        await fromEnvironment.close()

        let directory = try TemporaryDirectory()
        try directory.write(
            "[client-tests]\nhost=127.0.0.1\nport=\(servers.plainPort)\nuser=trust_user\ndbname=postgres\n",
            to: "services.conf", permissions: 0o644)
        let serviceEnvironment = [
            "PGSERVICEFILE": directory.path("services.conf"), "PGSYSCONFDIR": directory.path("none"),
        ]
        #expect(
            try await ClientTestServers.psqlUsesTLS("service=client-tests", environment: serviceEnvironment) == false)
        let fromService = try await Self.connect("service=client-tests", environment: serviceEnvironment)
        #expect(fromService.target.port == servers.plainPort && fromService.tlsInfo == nil)
        await fromService.close()
    }

    @Test func passwordFromTheFileIsNamedWhenRejected() async throws {
        let servers = try await ClientTestServers.running()
        let directory = try TemporaryDirectory()
        try directory.write("*:*:*:md5_user:wrong\n", to: "pgpass", permissions: 0o600)
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(
                "host=127.0.0.1 port=\(servers.plainPort) user=md5_user dbname=postgres passfile=\(directory.path("pgpass"))"
            )
        }
        #expect("\(error)".hasSuffix("\npassword retrieved from file \"\(directory.path("pgpass"))\""), "\(error)")
    }

    /// A host starting with `/` is a Unix socket directory, as in libpq; TLS is not tried there.
    /// Failed connections are reported as psql reports them, word for word: a missing Unix socket with libpq's
    /// hint, each address of `localhost` in turn and named, a server's FATAL without SQLSTATE or LOCATION lines,
    /// a name that does not resolve.
    @Test(arguments: [
        "host=/nonexistent-pgw-socket-directory port=5999 user=trust_user dbname=postgres",
        "host=localhost port=FREE user=trust_user dbname=postgres",
        "host=localhost port=PLAIN user=nobody dbname=postgres sslmode=disable",
        "host=127.0.0.1 port=PLAIN user=scram_user dbname=postgres password=wrong sslmode=disable",
        "host=127.0.0.1 port=PLAIN user=scram_user dbname=postgres password=wrong",
        "host=no-such-host.invalid port=PLAIN user=trust_user dbname=postgres",
    ])
    func connectionErrorsAsPsqlPrintsThem(conninfo: String) async throws {
        let servers = try await ClientTestServers.running()
        let conninfo = conninfo.replacing("PLAIN", with: "\(servers.plainPort)")
            .replacing("FREE", with: "\(try FreeLoopbackPort.find())")
        let psql = try #require(try await ClientTestServers.psqlError(conninfo))
        let error = try await #require(throws: PostgresClientError.self) { try await Self.connect(conninfo) }
        #expect("\(error)" == psql)
    }

    @Test func unixSocketConnection() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await Self.connect(
            "host=\(servers.plainSocketDirectory) port=\(servers.plainPort) user=trust_user dbname=postgres")
        #expect(connection.tlsInfo == nil)
        #expect(connection.target.isUnixSocket)
        #expect(try await Self.query("select current_user", on: connection) == ["trust_user"])
        await connection.close()
    }

    @Test func requireAuthRefusesTheServersMethod() async throws {
        let servers = try await ClientTestServers.running()
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(
                "host=127.0.0.1 port=\(servers.plainPort) user=md5_user dbname=postgres password=x require_auth=scram-sha-256"
            )
        }
        #expect(
            error.reason
                == .authentication(
                    "authentication method requirement \"scram-sha-256\" failed: server requested a hashed password"))
    }

    @Test func connectionRefusedNamesTheServerAndTheReason() async throws {
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect("host=127.0.0.1 port=1 user=x sslmode=disable")
        }
        #expect(
            "\(error)".hasPrefix("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"), "\(error)"
        )
    }

    /// A host name that does not resolve is reported as libpq does: no server to name, the resolver's reason, and
    /// no "is the server running" hint (which is for refused connections).
    @Test func unknownHostIsDescribedAsLibpqDoes() async throws {
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect("host=nosuch.invalid port=5432 user=x sslmode=disable")
        }
        #expect(error.reason.message.hasPrefix("could not translate host name \"nosuch.invalid\" to address: "))
        #expect("\(error)".hasPrefix("could not translate host name \"nosuch.invalid\" to address: "), "\(error)")
        #expect(!"\(error)".contains("Is the server running"), "\(error)")
        #expect(!"\(error)".contains("SocketAddressError"), "\(error)")
    }

    // MARK: After connecting

    /// `pg_sleep(30)` is cancelled: the query fails with 57014 long before the 30 s are over (8 ms measured on an
    /// idle machine; a saturated CI machine once took 1.4 s, so the bound is 10 s: what is tested is that the cancel
    /// works, its speed is measured elsewhere). A cancel that arrives while the backend is still reading the query
    /// is ignored by PostgreSQL, so up to three runs are made and one cancelled run suffices; a cancel that does not
    /// work fails all three.
    @Test(arguments: [false, true])
    func cancelStopsPgSleep(overTLS: Bool) async throws {
        let servers = try await ClientTestServers.running()
        var runs: [(duration: Duration, error: DiagnosticMessage?)] = []
        for _ in 0..<3 {
            let connection = try await Self.connect(
                "host=127.0.0.1 port=\(servers.tlsPort) user=trust_user dbname=postgres "
                    + "sslmode=\(overTLS ? "require" : "disable")")
            let messages = try await connection.messages()
            try await connection.send(.query(Query("select pg_sleep(30)")))
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            try await connection.cancel()
            var error: DiagnosticMessage?
            for try await message in messages {
                if case .errorResponse(let response) = message { error = response }
                if case .readyForQuery = message { break }
            }
            runs.append((ContinuousClock.now - started, error))
            await connection.close()
            if error?.sqlState == "57014" && runs.last!.duration < .seconds(10) { break }
        }
        #expect(runs.contains { $0.error?.sqlState == "57014" && $0.duration < .seconds(10) }, "\(runs)")
    }

    @Test func replicationDatabaseOpensAWalSender() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await Self.connect(
            "host=127.0.0.1 port=\(servers.plainPort) user=repl_user dbname=postgres replication=database")
        let rows = try await Self.query("IDENTIFY_SYSTEM", on: connection)
        #expect(rows.count == 1 && rows[0]?.isEmpty == false, "\(rows)")
        await connection.close()
    }

    @Test func protocol32RequestIsNegotiatedDownByPostgreSQL15() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await Self.connect(
            "host=127.0.0.1 port=\(servers.plainPort) user=trust_user dbname=postgres max_protocol_version=3.2")
        #expect(connection.protocolVersion == .v3_0)
        await connection.close()
        let strict = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(
                "host=127.0.0.1 port=\(servers.plainPort) user=trust_user min_protocol_version=3.2 max_protocol_version=3.2"
            )
        }
        #expect(
            "\(strict)".contains("server only supports protocol version 3.0, but min_protocol_version was set to 3.2"))
    }

    @Test func targetSessionAttributesSkipsAReadOnlyServer() async throws {
        let servers = try await ClientTestServers.running()
        let readOnly = "options='-c default_transaction_read_only=on'"
        let error = try await #require(throws: PostgresClientError.self) {
            try await Self.connect(
                "host=127.0.0.1 port=\(servers.plainPort) user=trust_user dbname=postgres \(readOnly) target_session_attrs=read-write"
            )
        }
        #expect(error.reason == .sessionRejected("session is read-only"))
        let preferStandby = try await Self.connect(
            "host=127.0.0.1 port=\(servers.plainPort) user=trust_user dbname=postgres target_session_attrs=prefer-standby"
        )
        #expect(
            preferStandby.serverParameters["in_hot_standby"] == "off", "no standby: the second pass takes the primary")
        await preferStandby.close()
    }

    /// Hosts are tried in order: a refused one first, then one that works.
    @Test func multipleHostsAreTriedInOrder() async throws {
        let servers = try await ClientTestServers.running()
        let connection = try await Self.connect(
            "postgresql://trust_user@127.0.0.1:1,127.0.0.1:\(servers.plainPort)/postgres?sslmode=disable")
        #expect(connection.target.port == servers.plainPort)
        await connection.close()
    }
}
