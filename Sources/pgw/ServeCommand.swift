import ArgumentParser
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresAuthentication
import PostgresCapture
import PostgresClient
import PostgresGateway
import PostgresTLS
import PostgresWire
import UnixSignals

/// `pgw serve`: a mock PostgreSQL server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a mock PostgreSQL server: scripted answers, PostgreSQL's behaviour for the rest.",
        discussion: """
            Accepts PostgreSQL clients, authenticates them with the chosen method and answers queries over the \
            simple and the extended query protocol. Statements go through PostgreSQL's own parser (libpg_query): \
            a script's rules answer first (--script); then session plumbing behaves like PostgreSQL (SET, SET \
            CONSTRAINTS, SHOW, RESET, DISCARD, BEGIN/COMMIT/ROLLBACK/SAVEPOINT, a failed transaction answering \
            25P02 until ROLLBACK), SELECTs without FROM are evaluated (select 1, now(), 1/0 fails with 22012), catalog \
            queries (pg_catalog, information_schema) return no rows with the right columns, and a statement that \
            does not parse gets 42601 with its position. Every other statement is answered as --unmatched says: \
            by default one row with one text column, "echo", holding the statement, when it is one that returns \
            rows in PostgreSQL (SELECT, VALUES, RETURNING, EXPLAIN), with its tag for one row (INSERT 0 1 for an \
            INSERT ... RETURNING); others (VACUUM, CREATE, INSERT without RETURNING...) complete with their command tag. empty answers no rows (with the columns the \
            statement names), error 0A000.

            Connection pools' housekeeping is answered like SET, whatever --unmatched says, and --verify does not \
            count it: LISTEN, UNLISTEN and NOTIFY (a NOTIFY on a channel the session listens to reaches it), CLOSE \
            ALL and SELECT pg_advisory_unlock_all() (asyncpg's pool reset, with UNLISTEN * and RESET ALL). \
            Server-side cursors work as in PostgreSQL: DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH HOLD] FOR \
            query takes the query's answer (a rule's rows, or as the query alone is answered), FETCH and MOVE step \
            through it, CLOSE closes it (psycopg and psycopg2 named cursors, Django's iterator()). An unmatched \
            COPY ... TO STDOUT is a COPY of no rows (COPY 0), unless unmatched statements are errors.

            A script is YAML: server: {version, auth, users: {NAME: PASSWORD}, parameters: {NAME: VALUE}, \
            logins: [{user, database, parameters}]} (logins: what logins of that user and/or database report \
            instead), unmatched: echo|empty|error, and rules: a list of {match, params, param_types, columns, rows, \
            tag, error, notices, copy_out, notify, delay, close, times, after, name}. match is a statement (matched \
            by fingerprint: other literals and white space match too), {regex: ...} or {exact: ...}. params are \
            compared by typed value where the type is known (t and true, 1.5 and 1.50 match). error takes \
            PostgreSQL's fields: code, message, detail, hint, position, schema, table, column, datatype, \
            constraint, where, internal_query, internal_position, file, line, routine. param_types \
            ([int4, date]) are the parameter types a Describe reports to clients that leave them to the server, as \
            asyncpg does (without them: the statement's casts and operators, else text). Column types are type \
            names as PostgreSQL's grammar reads them (numeric(10,2), character varying(100), text[]), their \
            modifiers sent in RowDescription; row values are read as the type's input function reads them. delay (5s, 250ms) waits before \
            answering; a CancelRequest with the session's key ends the wait with 57014, as in PostgreSQL. close: true \
            closes the connection after the answer, or instead of one when the rule has none; an error of severity \
            FATAL or PANIC closes it after the answer, as PostgreSQL does. A rule's notify reaches the client when \
            the transaction commits, before ReadyForQuery (not after a rollback). COPY ... FROM STDIN \
            takes the client's data and answers COPY n (n rows, counted as PostgreSQL counts them in text, CSV or \
            binary). Errors in the script are reported with line and column. SIGHUP reloads the script's rules (or its \
            conversation, for connections that log in afterwards).

            Instead of rules, a script can hold a strict conversation for driver-level tests: conversation: a list \
            of lines in pgw decode's text form, F MESSAGE for what the client must send next and B MESSAGE for what \
            the server sends then (B lines first go out after login; leading startup lines are skipped; a line may \
            keep the time and connection number a decoded capture gives it, quoted). Any other \
            message ends the connection with FATAL 08P01 naming the line expected and the message received; at \
            shutdown, pgw exits with 1 and lists every deviation and every connection that stopped early.

            Prints "listening on HOST:PORT" (the bound address) once it accepts. SIGINT or SIGTERM shuts it down \
            gracefully: connected clients get FATAL 57P01 and are closed within --shutdown-timeout, even when they \
            do not read; a second signal stops at once. With --verify, shutdown exits with 1 when a statement \
            matched no rule (a statement that does not parse too: it gets 42601 whatever --unmatched says) or a \
            rule was never used, and lists them, with the reason when a rule matches the statement but did not \
            answer it (used up by times, waiting for its after rule, other params). An unmatched statement's error \
            (--unmatched error) says the same in its HINT and holds the statement in its DETAIL, up to 8 KiB (a \
            longer one is cut, marked with ...).

            At most --max-connections sessions run at once; a client beyond that gets FATAL 53300 "sorry, too many \
            clients already" after its startup packet, as from PostgreSQL. Each connection uses bounded memory: \
            the server stops reading from a client that does not read its replies. Connections are logged to \
            standard error (--log-level info: one line when a client is authorized, one when it leaves, with the \
            reason).

            With --tls-cert and --tls-key, TLS is required (plaintext clients get FATAL 28000); without them, \
            SSLRequest is answered 'N'.

            Passwords: --user NAME:PASSWORD, or --user NAME with the password in PGPASSWORD, or the script's \
            server.users; none has to be on the command line. As in PostgreSQL, a password may be stored as an md5 \
            hash or a SCRAM verifier (pgw certs md5, pgw certs scram): the client logs in with the password, md5 \
            logins need the password or an md5 hash, SCRAM logins the password or a verifier.

            Environment:
              PGPORT  The port to listen on when -p is not given (default 5432).
              PGPASSWORD  The password of a --user NAME given without one.

            Examples:
              pgw serve -p 0
              pgw serve --script app.yaml -p 0 --verify --log statements.jsonl
              PGPASSWORD=secret pgw serve --auth scram-sha-256 --user alice
              pgw serve --auth cert --tls-cert server.crt --tls-key server.key \\
                --tls-ca ca.crt
            """
    )

    /// The `--auth` values, named like pg_hba.conf's methods.
    enum AuthMethod: String, ExpressibleByArgument, CaseIterable {
        case trust, password, md5
        case scramSHA256 = "scram-sha-256"
        case cert

        static var allValueDescriptions: [String: String] {
            [
                "trust": "no authentication",
                "password": "a cleartext password (use with TLS)",
                "md5": "an md5-hashed password",
                "scram-sha-256": "SCRAM-SHA-256, with channel binding (-PLUS) over TLS",
                "cert": "a TLS client certificate whose CN is the user (needs --tls-ca)",
            ]
        }

        var mode: AuthenticationMode {
            switch self {
            case .trust: .none
            case .password: .cleartextPassword
            case .md5: .md5Password
            case .scramSHA256: .scramSHA256
            case .cert: .certificate
            }
        }
    }

    @Option(
        name: .shortAndLong,
        help: "The address to listen on; * for every address, IPv4 and IPv6 (as PostgreSQL's listen_addresses).")
    var host = "127.0.0.1"

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The port to listen on, 0 to 65535 (0 picks a free one); default PGPORT, else 5432."))
    var port: Int?

    @Option(help: "How clients authenticate (default: the script's server.auth, else trust).")
    var auth: AuthMethod?

    @Option(
        name: [.customShort("U"), .customLong("user")],
        help: ArgumentHelp(
            "A user, NAME:PASSWORD or NAME with the password in PGPASSWORD; repeatable.", valueName: "name[:password]"))
    var users: [String] = []

    @Option(
        help: ArgumentHelp("A YAML script of rules that answer statements (see above).", valueName: "file"),
        completion: .file())
    var script: String?

    @Option(help: "What statements that nothing answers get (default: the script's unmatched, else echo).")
    var unmatched: UnmatchedPolicy?

    @Flag(
        help: ArgumentHelp(
            "At shutdown, exit with 1 and list statements no rule matched (also those that do not parse) and rules "
                + "never used."))
    var verify = false

    @Option(
        help: ArgumentHelp(
            "Append every statement received to this file (mode 0600) as JSON Lines (time, statement, parameters, "
                + "rule).",
            valueName: "file"),
        completion: .file())
    var log: String?

    @OptionGroup var tls: ServerTLSOptions

    @Option(help: "The version reported as server_version and by SELECT version() (default: the script's, else 18.0).")
    var serverVersion: String?

    @OptionGroup var threads: EventLoopThreadOptions

    @OptionGroup var limits: SessionLimitOptions

    @OptionGroup var logging: LoggingOptions

    /// The `--unmatched` values.
    enum UnmatchedPolicy: String, ExpressibleByArgument, CaseIterable {
        case echo, empty, error

        var policy: UnmatchedStatementPolicy { UnmatchedStatementPolicy(rawValue: rawValue)! }
    }

    func validate() throws {
        let port = try listenPort()
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port takes a number from 0 to 65535, got \(port).")
        }
        if auth == .cert && (!tls.isEnabled || tls.tlsCa == nil) {
            throw ValidationError("--auth cert needs --tls-cert, --tls-key and --tls-ca.")
        }
        if let serverVersion, !ServerVersion.isValid(serverVersion) {
            throw ValidationError(
                "--server-version takes a PostgreSQL version, \(ServerVersion.expectedForm); got '\(serverVersion)'.")
        }
        if let auth, [.password, .md5, .scramSHA256].contains(auth) && users.isEmpty && script == nil {
            throw ValidationError(
                "--auth \(auth.rawValue) needs at least one --user NAME:PASSWORD (or a --script with users).")
        }
        _ = try parsedUsers()
    }

    func run() async throws {
        let script = try loadScript()
        let authentication = try auth ?? script?.authentication.map(Self.method) ?? .trust
        // The method as the user gave it: on the command line, or in the script.
        let method = auth != nil ? "--auth \(authentication.rawValue)" : "server.auth \(authentication.rawValue)"
        if authentication == .cert && (!tls.isEnabled || tls.tlsCa == nil) {
            throw usageFailure("\(method) needs --tls-cert, --tls-key and --tls-ca.", onCommandLine: auth != nil)
        }
        let commandLineUsers = try parsedUsers()
        let passwords = (script?.users ?? [:]).merging(commandLineUsers) { _, argument in argument }
        if [.password, .md5, .scramSHA256].contains(authentication) && passwords.isEmpty {
            throw usageFailure(
                "\(method) needs at least one --user or script user (server.users).", onCommandLine: auth != nil)
        }
        for (user, stored) in passwords.sorted(by: { $0.key < $1.key }) {
            guard let hint = Self.storedFormHint(stored, user: user, for: authentication) else { continue }
            let reason =
                "is given as \(stored.formDescription), which \(method) logins cannot be checked against; give \(hint)."
            if commandLineUsers[user] != nil {
                throw usageFailure("--user \(user) \(reason)", onCommandLine: true)
            }
            let position = script?.userPositions[user].map { "\(self.script ?? ""):\($0.line):\($0.column): " } ?? ""
            throw usageFailure("\(position)user \(user) \(reason)", onCommandLine: auth != nil)
        }
        let version = serverVersion ?? script?.serverVersion ?? "18.0 (pgw)"
        var parameters = PostgresServerConnectionConfiguration.defaultServerParameters
        for (name, value) in script?.parameters ?? [] {
            parameters.removeAll { $0.name.lowercased() == name.lowercased() }
            parameters.append((name, value))
        }
        var configuration = PostgresServerConnectionConfiguration(
            serverVersion: version, authenticationMode: authentication.mode,
            tls: try tls.serverConfiguration(),
            serverParameters: parameters)
        configuration.loginParameters = script?.loginParameters ?? []
        let logger = logging.makeLogger(label: "pgw.serve")
        let listenAddress = ListenAddress(host: host, port: try listenPort())
        let (host, port) = (listenAddress.host, listenAddress.port)
        let responder = ScriptResponder(
            rules: script?.rules ?? [],
            fallback: ServerEmulationResponder(
                serverVersion: version, unmatched: unmatched?.policy ?? script?.unmatched ?? .echo),
            record: try statementLog())
        var hooks = PostgresServerConnectionHooks()
            .authenticating(passwords: passwords, certificateUsersMustBeListed: !passwords.isEmpty)
            .servingQueries(with: responder)
        let conversation = script.flatMap { $0.conversation.isEmpty ? nil : StrictConversation(steps: $0.conversation) }
        if let conversation { hooks = conversation.hooks(hooks) }
        // Trap the signals before listening, so that a signal right after "listening on" is not lost.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        // Two threads per core: measured with pgbench on the same two cores (.ci/bench-serve with PGW_SERVE_ARGS),
        // 4 threads answered 1.4× the transactions of 2 in the simple protocol, and no fewer in the prepared one.
        let group = threads.makeGroup { cores in cores * 2 }
        let server: PostgresServer
        do {
            server = try await PostgresServer.bind(
                host: host, port: port, configuration: configuration, hooks: hooks,
                maximumConnections: limits.maxConnections, group: group, logger: logger)
        } catch {
            throw CommandFailure.listening(on: host, port: port, error)
        }
        listenAddress.announce(bound: server.localAddress)
        var received = signals.makeAsyncIterator()
        while let signal = await received.next() {
            guard signal == .sighup else {
                logger.info("received \(signal): shutting down (a second signal stops at once)")
                break
            }
            do {
                let reloaded = try loadScript()
                let steps = reloaded?.conversation ?? []
                if let conversation {
                    guard !steps.isEmpty else {
                        throw CommandFailure("the script has no conversation now; restart pgw serve to use rules")
                    }
                    conversation.replaceSteps(steps)
                    logger.info("received SIGHUP: reloaded the conversation for new connections")
                } else {
                    guard steps.isEmpty else {
                        throw CommandFailure("the script has a conversation now; restart pgw serve to use it")
                    }
                    responder.replaceRules(reloaded?.rules ?? [])
                    logger.info("received SIGHUP: reloaded the script's rules")
                }
            } catch {
                logger.error("received SIGHUP: kept the old script: \(error)")
            }
        }
        // From now on SIGINT and SIGTERM have their default effect: a second one stops the process at once.
        Glibc.signal(SIGINT, SIG_DFL)
        Glibc.signal(SIGTERM, SIG_DFL)
        await server.shutdown(timeout: limits.shutdownTimeAmount)
        try? await group.shutdownGracefully()
        if let conversation {
            try reportDeviations(conversation.verificationReport())
        } else if verify {
            try reportVerification(responder.verificationReport())
        }
    }

    /// The port to listen on: `-p`, else `PGPORT` read as libpq reads it (a value that is not a port is refused,
    /// as psql refuses it, rather than passed over), else 5432.
    private func listenPort() throws -> Int {
        if let port { return port }
        guard let text = ProcessInfo.processInfo.environment["PGPORT"], !text.isEmpty else { return 5432 }
        do {
            let number = try ConnectionOptions.integer(text, option: "port")
            guard (0...65_535).contains(number) else { throw ConnectionOptionError("invalid port number: \"\(text)\"") }
            return number
        } catch {
            throw ValidationError("\(error) (from PGPORT)")
        }
    }

    /// The `--auth` value a script's `server.auth` names.
    private static func method(_ name: String) throws -> AuthMethod {
        guard let method = AuthMethod(rawValue: name) else { throw CommandFailure("unknown auth method '\(name)'") }
        return method
    }

    /// The script of `--script`, `nil` without one; a script that cannot be read or used fails with its reason.
    private func loadScript() throws -> MockScript? {
        guard let script else { return nil }
        let descriptor = open(script, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot read script '\(script)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                break
            } else if errno != EINTR {
                let hint = errno == EISDIR ? " (give the script's YAML file)" : ""
                throw CommandFailure("cannot read script '\(script)': \(String(cString: strerror(errno)))\(hint)")
            }
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw CommandFailure("cannot read script '\(script)': it is not UTF-8 text")
        }
        do {
            return try MockScript(yaml: text)
        } catch {
            throw CommandFailure("\(script):\(error)")
        }
    }

    /// Writes `--log`'s JSON Lines; `nil` without `--log`.
    private func statementLog() throws -> (@Sendable (StatementRecord) -> Void)? {
        guard let log else { return nil }
        let descriptor: Int32
        do {
            descriptor = try PrivateAppendFile.open(log)
        } catch {
            throw CommandFailure("--log: \(error)")
        }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let lock = NIOLockedValueBox(file)
        return { record in
            struct Line: Encodable {
                var time: String
                var record: StatementRecord
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: Keys.self)
                    try container.encode(time, forKey: .time)
                    try record.encode(to: encoder)
                }
                enum Keys: String, CodingKey { case time }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard
                var data = try? encoder.encode(
                    Line(
                        time: Self.now().rfc3339,
                        record: record))
            else { return }
            data.append(UInt8(ascii: "\n"))
            lock.withLockedValue { $0.write(data) }
        }
    }

    /// The current time, for `--log`'s `time` (RFC 3339 in UTC with microseconds, as the proxy's and decode's JSON).
    private static func now() -> CaptureTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return CaptureTimestamp(seconds: Int64(time.tv_sec), nanoseconds: Int32(time.tv_nsec))
    }

    /// `--verify`: lists what did not go as the script said and fails when anything did not.
    private func reportVerification(_ report: (unmatchedStatements: [String], unusedRules: [ScriptRule])) throws {
        guard !report.unmatchedStatements.isEmpty || !report.unusedRules.isEmpty else { return }
        var lines = ["pgw serve --verify: the session did not go as the script says"]
        // One line each: ORMs send statements over several lines.
        lines += report.unmatchedStatements.map { "  unmatched statement: \(OneLineText.escaped($0))" }
        lines += report.unusedRules.map { "  unused \($0.label): \($0.matchText)" }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        throw ExitCode(1)
    }

    /// A strict conversation's report: what deviated from it fails the run, with or without `--verify`.
    private func reportDeviations(_ deviations: [String]) throws {
        guard !deviations.isEmpty else { return }
        let lines = ["pgw serve: the session did not follow the script's conversation"] + deviations.map { "  " + $0 }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        throw ExitCode(1)
    }

    /// What to give instead of `stored`, `user`'s stored password, which `authentication`'s logins cannot be
    /// checked against (an md5 login needs the password or an md5 hash, a SCRAM login the password or a SCRAM
    /// verifier); `nil` when they can.
    private static func storedFormHint(_ stored: StoredPassword, user: String, for authentication: AuthMethod)
        -> String?
    {
        switch (authentication, stored) {
        case (.md5, .scramVerifier): "the password or an md5 hash (pgw certs md5 --user \(user))"
        case (.scramSHA256, .md5Hash): "the password or a SCRAM verifier (pgw certs scram)"
        default: nil
        }
    }

    /// The failure of a setting that cannot be used: with `onCommandLine`, a usage error as the parser reports one
    /// (the message, `pgw serve`'s usage, exit status 64), else the script's error (exit status 1).
    private func usageFailure(_ message: String, onCommandLine: Bool) -> any Error {
        guard onCommandLine else { return CommandFailure(message) }
        FileHandle.standardError.write(
            Data(
                """
                Error: \(message)
                Usage: \(PGW.usageString(for: Self.self))
                  See 'pgw serve --help' for more information.

                """.utf8))
        return ExitCode(64)
    }

    /// The `--user` options: user name → stored password (a password, or an md5 hash or SCRAM verifier).
    private func parsedUsers() throws -> [String: StoredPassword] {
        var result: [String: StoredPassword] = [:]
        for entry in users {
            guard let colon = entry.firstIndex(of: ":") else {
                guard !entry.isEmpty, let password = ProcessInfo.processInfo.environment["PGPASSWORD"],
                    !password.isEmpty
                else {
                    throw ValidationError("--user \(entry) has no password: give NAME:PASSWORD, or set PGPASSWORD.")
                }
                result[entry] = try Self.storedPassword(password, of: entry)
                continue
            }
            guard colon != entry.startIndex else {
                throw ValidationError("--user takes NAME:PASSWORD, got '\(entry)'.")
            }
            guard entry.index(after: colon) != entry.endIndex else {
                throw ValidationError(
                    "--user \(entry) has an empty password, which PostgreSQL never accepts; give NAME:PASSWORD.")
            }
            let user = String(entry[..<colon])
            result[user] = try Self.storedPassword(String(entry[entry.index(after: colon)...]), of: user)
        }
        return result
    }

    /// `text` read as `user`'s stored password; a malformed SCRAM verifier fails naming the user.
    private static func storedPassword(_ text: String, of user: String) throws -> StoredPassword {
        do {
            return try StoredPassword(parsing: text)
        } catch {
            throw ValidationError("--user \(user): \(error); pgw certs scram makes one.")
        }
    }
}
