import Foundation
import NIOCore
import NIOPosix
import PostgresTestSupport
import Testing

/// `pgw proxy` as a program: TLS on the client leg with real psql, JSON to a file, SIGTERM with a session open,
/// `--max-connections` (with two event-loop threads), usage errors.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-cli", hostBasedAuthentication: ["host all proxy_cli 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_cli", password: "cli-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(3))
)
struct ProxyCommandTests {
    @Test func tlsClientLegJSONFileAndSIGTERMDrainWithASessionOpen() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await PGWExecutable.run([
            "certs", "generate", "--dir", directory.path, "--server-name", "127.0.0.1",
        ])
        #expect(certificates.succeeded, "\(certificates)")
        let logFile = directory.appending(path: "traffic.jsonl")
        let proxy = try await ProxyProcess([
            "--upstream", "host=127.0.0.1 port=\(server.port)", "--format", "json", "--output", logFile.path,
            "--tls-cert", directory.appending(path: "server.crt").path, "--tls-key",
            directory.appending(path: "server.key").path, "--skip", "ParameterStatus",
        ])
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "cli-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let connection =
            "host=127.0.0.1 port=\(proxy.port) user=proxy_cli dbname=postgres sslmode=verify-full "
            + "sslrootcert=\(directory.appending(path: "ca.crt").path)"
        let psql = try server.installation.executable("psql")
        let secure = try await SubprocessCommand(
            psql, ["-X", "-w", "-At", connection, "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
            environment: environment
        ).run()
        // The client leg is TLS (psql verified the proxy's certificate); the upstream leg is plaintext.
        #expect(secure.succeeded && secure.standardOutput == "f\n", "\(secure)")
        let plaintext = try await SubprocessCommand(
            psql,
            ["-X", "-w", "-At", "host=127.0.0.1 port=\(proxy.port) user=proxy_cli sslmode=disable", "-c", "SELECT 1"],
            environment: environment
        ).run()
        #expect(!plaintext.succeeded, "TLS is required once --tls-cert is given: \(plaintext)")
        // A session that is still open when SIGTERM comes gets FATAL 57P01 and the log is flushed.
        async let open = SubprocessCommand(
            psql, ["-X", "-w", "-At", connection, "-c", "SELECT pg_sleep(0.5)", "-c", "SELECT pg_sleep(30)"],
            environment: environment
        ).run()
        // Signal once the long statement is relayed (the log says so), not while the session is still logging in.
        for _ in 0..<200 {
            let logged = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if logged.contains("SELECT pg_sleep(30)") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(200))
        let status = try await proxy.terminate(waitingSeconds: 10)
        #expect(status == 0)
        let interrupted = try await open
        #expect(
            interrupted.standardError.contains("terminating connection due to administrator command"), "\(interrupted)")
        let lines = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n")
        var types: [String] = []
        var events: [String] = []
        var reasons: [String] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let type = object["type"] as? String { types.append(type) }
            if let event = object["event"] as? String { events.append(event) }
            if let reason = object["reason"] as? String { reasons.append(reason) }
            if event(object) == "opened" && object["clientTLS"] is NSNull == false {
                #expect((object["clientTLS"] as? String)?.hasPrefix("TLSv1.") == true, "\(line)")
            }
        }
        #expect(!types.contains("ParameterStatus"), "--skip ParameterStatus")
        #expect(types.contains("Query") && types.contains("DataRow"))
        // Two sessions and the plaintext client refused before one.
        #expect(events.filter { $0 == "closed" }.count == 3 && events.filter { $0 == "opened" }.count == 3, "\(events)")
        #expect(reasons.contains { $0.hasPrefix("refused: FATAL 28000 TLS encryption is required") }, "\(reasons)")
        #expect(lines.last?.contains("proxy shutting down") == true, "\(String(describing: lines.last))")
    }

    /// `--no-tls-require` relays a plaintext psql (its `opened` line says `client plaintext`) as well as a TLS one;
    /// `--tls-require-client-cert` refuses psql without a certificate with FATAL 28000 and relays psql with one
    /// from `--tls-ca`, whose subject the `opened` line names.
    @Test func tlsRequireOptionsGovernTheClientLeg() async throws {
        let server = try PostgresServerTrait.server()
        let logFile = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logFile) }
        let clientLeg = [
            "--upstream", "127.0.0.1:\(server.port)", "--output", logFile.path,
            "--tls-cert", ProxyTestCertificates.path("server.crt"), "--tls-key",
            ProxyTestCertificates.path("server.key"),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "cli-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let psql = try server.installation.executable("psql")
        func selectOne(port: Int, _ keywords: String) async throws -> ProcessOutcome {
            try await SubprocessCommand(
                psql,
                [
                    "-X", "-w", "-At", "host=127.0.0.1 port=\(port) user=proxy_cli dbname=postgres \(keywords)", "-c",
                    "SELECT 1",
                ],
                environment: environment
            ).run()
        }
        let preferring = try await ProxyProcess(clientLeg + ["--no-tls-require"])
        let plaintext = try await selectOne(port: preferring.port, "sslmode=disable")
        let encrypted = try await selectOne(port: preferring.port, "sslmode=require")
        #expect(try await preferring.terminate(waitingSeconds: 10) == 0)
        let missing = FileManager.default.temporaryDirectory.appending(path: "pgw-no-cert-\(UUID().uuidString)").path
        let certifying = try await ProxyProcess(
            clientLeg + ["--tls-ca", ProxyTestCertificates.path("ca.crt"), "--tls-require-client-cert"])
        let anonymous = try await selectOne(
            port: certifying.port, "sslmode=require sslcert=\(missing).crt sslkey=\(missing).key")
        let certified = try await selectOne(
            port: certifying.port,
            "sslmode=require sslcert=\(ProxyTestCertificates.path("client.crt")) "
                + "sslkey=\(ProxyTestCertificates.path("client.key"))")
        #expect(try await certifying.terminate(waitingSeconds: 10) == 0)
        let log = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n")
        #expect(plaintext.succeeded && plaintext.standardOutput == "1\n", "\(plaintext)")
        #expect(encrypted.succeeded && encrypted.standardOutput == "1\n", "\(encrypted)")
        #expect(
            !anonymous.succeeded && anonymous.standardError.contains("connection requires a valid client certificate"),
            "\(anonymous)")
        #expect(certified.succeeded && certified.standardOutput == "1\n", "\(certified)")
        let opened = log.filter { $0.contains(" -- opened: ") }
        #expect(opened.count == 4, "\(log)")
        #expect(opened.first?.hasSuffix("; client plaintext") == true, "\(opened)")
        #expect(opened.last?.hasSuffix(" certificate CN=proxy_cert") == true, "\(opened)")
        #expect(
            log.contains { $0.contains("refused: FATAL 28000 connection requires a valid client certificate") },
            "\(log)")
    }

    /// A traffic log whose reader takes nothing (stdout to a pipe nobody reads) cannot hold the shutdown beyond
    /// `--shutdown-timeout`: the proxy exits and says how much of the log is unwritten.
    @Test func aStalledLogReaderDoesNotHoldTheShutdown() async throws {
        let server = try PostgresServerTrait.server()
        let standardError = Pipe()
        // Standard output is a pipe read only for the "listening on" line.
        let proxy = try await ProxyProcess(
            ["--upstream", "127.0.0.1:\(server.port)", "--shutdown-timeout", "1"], standardError: standardError)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "cli-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let psql = try server.installation.executable("psql")
        // Far more log than the pipe and the sink's buffer hold: the relay stalls once they are full, so psql is
        // left running (its output is not awaited).
        let session = Task {
            try await SubprocessCommand(
                psql,
                [
                    "-X", "-w", "-At", "host=127.0.0.1 port=\(proxy.port) user=proxy_cli dbname=postgres", "-c",
                    "select generate_series(1, 200000)",
                ], environment: environment, timeout: .seconds(60)
            ).run()
        }
        // The relay has stalled once the server's backend waits to write to the proxy (wait event ClientWrite).
        let stalled =
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'proxy_cli' AND wait_event = 'ClientWrite'"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let count = try await server.runAdministrativeSQL(stalled)
            if count.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let started = ContinuousClock.now
        let status = try await proxy.terminate(waitingSeconds: 15)
        #expect(status != nil && ContinuousClock.now - started < .seconds(6))
        proxy.forceStop()
        session.cancel()
        let errors = try await offPool {
            String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        #expect(errors.contains("the traffic log is incomplete:"), "\(errors)")
    }

    /// The refused client gets the FATAL, and the proxy's log says so at the default level (info), as PostgreSQL
    /// and PgBouncer log such refusals.
    @Test func beyondMaxConnectionsClientsGetTooManyClients() async throws {
        let server = try PostgresServerTrait.server()
        let standardError = Pipe()
        let proxy = try await ProxyProcess(
            ["--upstream", "127.0.0.1:\(server.port)", "--max-connections", "1", "--format", "none", "--threads", "2"],
            standardError: standardError)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "cli-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let psql = try server.installation.executable("psql")
        let arguments = ["-X", "-w", "-At", "host=127.0.0.1 port=\(proxy.port) user=proxy_cli dbname=postgres"]
        let first = Task {
            try await SubprocessCommand(psql, arguments + ["-c", "SELECT pg_sleep(120)"], environment: environment)
                .run()
        }
        // The first session holds the only slot once its statement runs upstream, until it is cancelled below
        // (however loaded the machine, and however long the second psql takes to start).
        let sleeping = "FROM pg_stat_activity WHERE usename = 'proxy_cli' AND query LIKE 'SELECT pg_sleep%'"
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let running = try await server.runAdministrativeSQL("SELECT count(*) \(sleeping) AND state = 'active'")
            if running.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let second = try await SubprocessCommand(psql, arguments + ["-c", "SELECT 1"], environment: environment).run()
        #expect(second.standardError.contains("sorry, too many clients already"), "\(second)")
        // Cancelled once its statement is seen running (a CI run once cancelled before it ran, and psql slept on).
        let cancelDeadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < cancelDeadline {
            let hit = try await server.runAdministrativeSQL(
                "SELECT count(pg_cancel_backend(pid)) \(sleeping) AND state = 'active'")
            if hit.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let cancelled = try await first.value
        #expect(cancelled.standardError.contains("canceling statement due to user request"), "\(cancelled)")
        #expect(try await proxy.terminate(waitingSeconds: 10) == 0)
        let errors = try await offPool {
            String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let refusal = errors.split(separator: "\n").filter {
            $0.contains("FATAL 53300: sorry, too many clients already")
        }
        #expect(refusal.count == 1 && refusal[0].contains(" info "), "\(errors)")
    }

    /// Clients the proxy refuses (their upstream does not resolve) get the FATAL and leave no error line in the
    /// proxy's log (the refusal is on purpose), and each is one number: `#N` in the traffic log, `pgw.connection=N`
    /// on standard error. A first connection that leaves without a StartupMessage is counted by both alike.
    @Test func refusedClientsLeaveNoErrorLineAndOneConnectionNumberEach() async throws {
        let server = try PostgresServerTrait.server()
        let logFile = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-refused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logFile) }
        let standardError = Pipe()
        let proxy = try await ProxyProcess(
            ["--upstream", "nosuchhost.invalid:5432", "--output", logFile.path, "--log-level", "debug"],
            standardError: standardError)
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: proxy.port).get().close()
        let psql = try server.installation.executable("psql")
        for _ in 0..<2 {
            let refused = try await SubprocessCommand(
                psql,
                [
                    "-X", "-w", "-At", "host=127.0.0.1 port=\(proxy.port) user=proxy_cli sslmode=disable", "-c",
                    "SELECT 1",
                ]
            ).run()
            #expect(
                refused.standardError.contains("could not translate host name \"nosuchhost.invalid\""), "\(refused)")
        }
        #expect(try await proxy.terminate(waitingSeconds: 10) == 0)
        let errors = try await offPool {
            String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let errorLines = errors.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }
        #expect(errorLines.isEmpty, "\(errors)")
        let refusals = errors.split(separator: "\n").filter { $0.contains("could not connect to the upstream server") }
        let refusedNumbers = Set(refusals.flatMap { $0.matches(of: /pgw\.connection=(\d+)/).map { String($0.1) } })
        let log = try String(contentsOf: logFile, encoding: .utf8)
        let logNumbers = Set(log.matches(of: /\s#(\d+)\s/).map { String($0.1) })
        #expect(logNumbers == ["2", "3"], "\(log)")
        #expect(refusedNumbers == logNumbers, "\(errors)\n\(log)")
        // The gateway's own lines for the sessions carry the same numbers.
        for number in logNumbers {
            #expect(errors.contains("pgw.connection=\(number) [PostgresGateway]"), "\(errors)")
        }
    }

    @Test(arguments: [
        ["--upstream", "x:y"], ["--upstream", "127.0.0.1:5432", "--listen", "nohost"],
        ["--upstream", "127.0.0.1:5432", "--tls-cert", "a.crt"], ["--upstream", "host=/tmp"],
        ["--upstream", "127.0.0.1:5432", "--format", "xml"],
        ["--route", "*.db.test=127.0.0.1:5432"], ["--upstream", "127.0.0.1:5432", "--color", "sometimes"],
        ["--route", "a.*.test=127.0.0.1:5432", "--tls-cert", "a.crt", "--tls-key", "a.key"],
        ["--upstream", "127.0.0.1:5432", "--threads", "0"], ["--upstream", "127.0.0.1:99999"],
        ["--upstream", "127.0.0.1:5432", "--max-connections", "-1"],
        ["--upstream", "127.0.0.1:5432", "--shutdown-timeout", "-1"],
        ["--upstream", "127.0.0.1:5432", "--only", "Query", "--skip", "query,Parse"],
        ["--upstream", "port=5432 password=topsecret"], ["--upstream", "postgresql://alice:topsecret@/db"],
        ["--upstream", "127.0.0.1:5432", "--no-tls-require"],
        ["--upstream", "127.0.0.1:5432", "--tls-cert", "a.crt", "--tls-key", "a.key", "--tls-require-client-cert"],
    ])
    func usageErrorsExitWith64(arguments: [String]) async throws {
        let outcome = try await PGWExecutable.run(["proxy"] + arguments)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(!outcome.standardError.contains("topsecret"), "\(outcome)")
        #expect(!outcome.standardError.contains("Missing value"), "\(outcome)")
        #expect(!outcome.standardError.contains("give HOST:PORT or a connection string"), "\(outcome)")
    }

    /// `--color always` colours the log even in a file; `never` does not; both relay the same session.
    @Test(arguments: ["always", "never"])
    func colourOptionGovernsEscapesInTheLog(mode: String) async throws {
        let server = try PostgresServerTrait.server()
        let logFile = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-color-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logFile) }
        let proxy = try await ProxyProcess([
            "--upstream", "127.0.0.1:\(server.port)", "--color", mode, "--output", logFile.path,
        ])
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "cli-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let session = try await SubprocessCommand(
            try server.installation.executable("psql"),
            [
                "-X", "-w", "-At", "host=127.0.0.1 port=\(proxy.port) user=proxy_cli dbname=postgres", "-c",
                "SELECT 1/0",
            ],
            environment: environment
        ).run()
        #expect(session.standardError.contains("division by zero"), "\(session)")
        #expect(try await proxy.terminate(waitingSeconds: 10) == 0)
        let log = try String(contentsOf: logFile, encoding: .utf8)
        #expect(log.contains("ErrorResponse ERROR 22012"), "\(log)")
        #expect(log.contains("\u{1B}[31mB ErrorResponse") == (mode == "always"), "\(log)")
        #expect(log.contains("\u{1B}[") == (mode == "always"), "\(log)")
    }

    private func event(_ object: [String: Any]) -> String? { object["event"] as? String }
}
