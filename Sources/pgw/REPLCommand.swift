import ArgumentParser
import Foundation
import Logging
import NIOCore
import PostgresClient
import PostgresREPL
import PostgresTLS
import PostgresWire

/// `pgw repl`: type protocol messages, send them to a server, see every reply decoded.
struct REPLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Type protocol messages, send them to a PostgreSQL server and see every reply decoded.",
        discussion: """
            Connects as psql would (libpq conninfo or postgresql:// URI, PG* variables, ~/.pgpass; TLS, startup \
            and authentication are done for you), then reads lines in the one-line text form that 'pgw decode' \
            prints and sends each message: Query "select 1", Parse name="s1" "select $1::int" [int4], \
            Bind statement="s1" parameters=["42"], Execute, Sync; binary values as pgw decode prints them \
            (parameters=[41] formats=["binary"]) are encoded by the types of the statement's Parse or a \
            ParameterDescription. Omitted fields take defaults (Execute alone: the \
            unnamed portal, all rows); \\hex 51 00 00 00 0d … sends raw bytes; length=N or (on Bind) count=N \
            sends a deliberately wrong message. Lines pasted from pgw proxy's or pgw decode's output may keep \
            their time and connection number. Replies print as they arrive (B lines), sent messages as F lines. \
            Meta-commands: \\help [MESSAGE], \\send, \\set autosend on|off, \\wait [MS], \\expect TYPE \
            [field=value…], \\format text|json|hex, \\reveal on|off, \\cancel, \\history, \\quit. A line \
            ending inside a quoted string continues on the next.

            When the server asks for a password (cleartext, md5 or SCRAM) that neither the connection string, \
            PGPASSWORD nor the password file gives, and standard input is a terminal, pgw asks for it as psql \
            does ("Password for user NAME: ", on /dev/tty, without echo) and connects again with it; -W asks \
            before connecting (also when standard input is a script), -w never asks.

            With --listen [HOST:]PORT, pgw is the server instead: it prints "listening on HOST:PORT", accepts one \
            client, shows what it sends (F lines) and sends the backend messages you type (RowDescription \
            [n int4], DataRow ["1"], CommandComplete "SELECT 1", ReadyForQuery I). \\auto-startup answers the \
            client's SSLRequest (N), StartupMessage and authentication (trust) for you; \\auto-query [on|off] \
            answers its queries as 'pgw serve' does until you turn it off. With --tls-cert and --tls-key, \
            \\auto-startup answers SSLRequest with S, and any SSLResponse S sent starts TLS.

            When standard input is not a terminal, or with --file, the lines run as a script, each as it arrives \
            (pgw connects, or listens, first, as psql runs a pipe): the first failed \
            \\expect or \\wait, or a line that does not parse, stops it with exit status 1 and the line number; \
            at the end, pgw waits for the replies to every Query and Sync sent and to the messages before a \
            Flush (server mode: for the client to close the connection); \\wait does too, and stops where the \
            server waits for COPY data. Lines starting with # or -- are \
            comments. Ctrl-C cancels the running statement, then the script stops. With --format json, \
            standard output is JSON Lines and the notes go to standard error.

            Environment:
              PGHOST  The server's host when neither the conninfo nor -h gives one.
              PGPORT  The server's port when neither the conninfo nor -p gives one.
              PGUSER  The user name when neither the conninfo nor -U gives one.
              PGDATABASE  The database when neither the conninfo nor -d gives one.
              PGPASSWORD  The password (else PGPASSFILE, default ~/.pgpass; else asked on a terminal).
              PGSSLMODE  Sslmode, as the other PG* variables of libpq.

            Examples:
              pgw repl -h localhost -U alice -d app
              pgw repl "host=localhost user=alice dbname=app"
              pgw repl postgresql://alice@db.example.com/app?sslmode=require \\
                --file probe.pgw
              printf 'Query "select 1"\\n\\\\expect RowDescription\\n' | pgw repl
              printf 'StartupMessage user="alice"\\n\\\\wait\\n' | \\
                pgw repl --raw host=localhost
              pgw repl --listen 5433      # then: psql -h 127.0.0.1 -p 5433
            """
    )

    @Argument(
        help: ArgumentHelp(
            "The database name or a libpq connection string (postgresql:// URI), then the user name, as psql's.",
            valueName: "dbname [username]"))
    var positionals: [String] = []

    @OptionGroup var target: ConnectionTargetOptions

    /// `-W` or `-w` (the last given wins, as in psql); `nil`: ask when the server wants a password and standard
    /// input is a terminal.
    @Flag(exclusivity: .chooseLast) var passwordPrompting: PasswordPrompting?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Run the lines of this script, then exit ('-': standard input).", valueName: "file"),
        completion: .file())
    var file: String?

    @Option(help: ArgumentHelp("How long \\wait and \\expect wait, in seconds.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: "How messages are shown.")
    var format = RenderFormat.text

    @Flag(help: "Show passwords, SASL data and cancel keys, which are masked by default.")
    var revealSecrets = false

    @Flag(
        help: """
            Open a bare connection to the first host and send nothing: type the StartupMessage (or SSLRequest, \
            GSSENCRequest, CancelRequest) yourself.
            """)
    var raw = false

    @Option(
        help: ArgumentHelp(
            "Be the server: listen on this address, accept one client and type the backend messages it receives.",
            valueName: "[host:]port"))
    var listen: String?

    @OptionGroup(title: "TLS (server mode)") var tls: ServerTLSOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number") }
        if tls.isEnabled && listen == nil {
            throw ValidationError("--tls-cert and --tls-key are for server mode (--listen)")
        }
        if positionals.count > 2 {
            throw ValidationError("extra command-line argument '\(positionals[2])': give at most DBNAME and USERNAME")
        }
        if passwordPrompting != nil && (raw || listen != nil) {
            throw ValidationError("-W and -w are for the login pgw makes: not with --raw or --listen")
        }
        if let listen {
            guard ListenAddress(listen, defaultHost: "127.0.0.1") != nil else {
                throw ValidationError("--listen takes [HOST:]PORT with a port from 0 to 65535, got '\(listen)'")
            }
            let connects = [target.host, target.port, target.username, target.dbname]
            guard positionals.isEmpty, !raw, connects.allSatisfy({ $0 == nil }) else {
                throw ValidationError(
                    "--listen makes pgw the server: it takes no connection string, -h, -p, -U, -d or --raw")
            }
        }
    }

    /// The connection parameters from `-h`, `-p`, `-U`, `-d` and the arguments, read as psql reads
    /// `[DBNAME [USERNAME]]`: the first is a connection string (whose keywords win over the options) or else the
    /// database name unless `-d` gives one; the second is the user name unless `-U` gives one.
    private func connectionParameters() throws(ConnectionOptionError) -> [String: String] {
        let first = positionals.first ?? ""
        let isConnectionString = first.contains("=") || first.contains("://")
        var target = self.target
        if !isConnectionString, !first.isEmpty, target.dbname == nil { target.dbname = first }
        if positionals.count > 1, target.username == nil { target.username = positionals[1] }
        return try target.parameters(connectionString: isConnectionString ? first : "")
    }

    func run() async throws {
        let script = try readScript()
        let settings = REPLSettings(
            format: format, revealSecrets: revealSecrets, timeout: .milliseconds(Int(timeout * 1000)))
        if let listen, let address = ListenAddress(listen, defaultHost: "127.0.0.1") {
            return try await serve(at: address, script: script, settings: settings)
        }
        let parameters: [String: String]
        do {
            parameters = try connectionParameters()
        } catch {
            Self.printError("pgw: invalid connection string: \(error)")
            throw ExitCode(64)
        }
        let connection: REPLConnection
        Self.exitOnInterrupt()
        defer { REPLInterrupts.onInterrupt(nil) }
        do {
            connection =
                raw ? try await REPLConnection.connectRaw(try Self.options(parameters)) : try await login(parameters)
            REPLInterrupts.onInterrupt(nil)
        } catch let failure as CommandFailure {
            Self.printError("pgw: \(failure)")
            throw ExitCode.failure
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Self.printError("pgw: cannot connect: \(error)")
            throw ExitCode.failure
        }
        Self.printLogin(connection, settings: settings)
        let succeeded = await run(script, transport: connection, events: connection.events, settings: settings)
        if connection.session != nil { try? await connection.send(Self.terminate, messages: [.frontend(.terminate)]) }
        await connection.close()
        if !succeeded { throw ExitCode.failure }
    }

    /// Server mode: listens, then runs the script or the terminal while the client's messages arrive.
    private func serve(
        at address: ListenAddress, script: AsyncThrowingStream<String, any Error>?, settings: REPLSettings
    ) async throws {
        let (host, port) = (address.host, address.port)
        let tlsContext: TLSServerContext?
        do {
            // These options give one context for every connection (or none).
            if case .context(let context) = try tls.serverConfiguration() {
                tlsContext = context
            } else {
                tlsContext = nil
            }
        } catch {
            Self.printError("pgw: cannot set up TLS: \(error)")
            throw ExitCode.failure
        }
        let listener: REPLListener
        do {
            listener = try await REPLListener.listen(host: host, port: port, tlsContext: tlsContext)
        } catch {
            Self.printError("pgw: \(CommandFailure.listening(on: host, port: port, error))")
            throw ExitCode.failure
        }
        address.announce(bound: listener.localAddress)
        let succeeded = await run(script, transport: listener, events: listener.events, settings: settings)
        await listener.close()
        if !succeeded { throw ExitCode.failure }
    }

    /// Runs the script, or the terminal without one, with `events` going to the session as they arrive; whether
    /// every line succeeded.
    private func run(
        _ script: AsyncThrowingStream<String, any Error>?, transport: any REPLTransport, events: AsyncStream<REPLEvent>,
        settings: REPLSettings
    ) async -> Bool {
        let session = REPLSession(
            transport: transport, settings: settings, write: { REPLTerminal.shared.print($0) },
            writeNote: { Self.printError($0) })
        let pump = Task {
            for await event in events { await session.receive(event) }
        }
        defer { pump.cancel() }
        guard let script else {
            await REPLInteractive.run(session: session)
            return true
        }
        let name = file.map { $0 == "-" ? "standard input" : $0 } ?? "standard input"
        let wasInterrupted = Self.cancelOnInterrupt(session, name: name)
        defer { REPLInterrupts.onInterrupt(nil) }
        return await Self.run(script, name: name, session: session, wasInterrupted: wasInterrupted)
    }

    /// The script's lines as they arrive, or `nil` when standard input is a terminal and there is no --file.
    private func readScript() throws -> AsyncThrowingStream<String, any Error>? {
        if let file, file != "-" {
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                Self.printError("pgw: cannot read '\(file)': \(String(cString: strerror(errno)))")
                throw ExitCode.failure
            }
            return REPLScriptLines.reading(descriptor, name: "'\(file)'")
        }
        // `-f -` reads standard input, as psql's, even from a terminal.
        guard isatty(STDIN_FILENO) == 0 || file == "-" else { return nil }
        return REPLScriptLines.reading(dup(STDIN_FILENO), name: "standard input")
    }

    /// Runs the script's lines as they arrive (a line ending inside a quoted string continues on the next);
    /// whether all succeeded. Once `wasInterrupted` (Ctrl-C, which cancelled the statement running), the script
    /// stops after the replies owed.
    private static func run(
        _ lines: AsyncThrowingStream<String, any Error>, name: String, session: REPLSession,
        wasInterrupted: @Sendable () -> Task<Void, Never>?
    ) async -> Bool {
        var partial: (text: String, number: Int)?
        var count = 0
        var iterator = lines.makeAsyncIterator()
        while true {
            let line: String?
            do {
                line = try await iterator.next()
            } catch {
                printError("pgw: \(error)")
                return false
            }
            let text: String
            let number: Int
            if let line {
                count += 1
                (text, number) = partial.map { ($0.text + "\n" + line, $0.number) } ?? (line, count)
                partial = REPLSession.continuesOnNextLine(text) ? (text, number) : nil
                guard partial == nil else { continue }
            } else if let unfinished = partial {
                // At the end, a line still inside a quoted string runs as it is (and fails to parse).
                (text, number) = unfinished
                partial = nil
            } else {
                break
            }
            let outcome = await session.execute(text)
            if let cancelling = wasInterrupted() {
                await cancelling.value
                _ = await session.waitForReady()
                printError("pgw: \(name):\(number): interrupted (Ctrl-C); the script stops")
                return false
            }
            switch outcome {
            case .done: continue
            case .quit: return true
            case .failed(let reason):
                printError("pgw: \(name):\(number):" + (reason.contains("\n") ? "\n" : " ") + reason)
                return false
            }
        }
        let outcome = await session.waitForEnd()
        if let cancelling = wasInterrupted() {
            await cancelling.value
            _ = await session.waitForReady()
            printError("pgw: \(name): interrupted (Ctrl-C); the script stops")
            return false
        }
        if case .failed(let reason) = outcome {
            printError("pgw: \(name): at the end: \(reason)")
            return false
        }
        return true
    }

    private static var terminate: ByteBuffer {
        var buffer = ByteBuffer()
        FrontendMessage.terminate.encode(into: &buffer)
        return buffer
    }

    /// What the login established, as the messages that said it; in JSON the note goes to standard error, so that
    /// standard output is JSON Lines.
    private static func printLogin(_ connection: REPLConnection, settings: REPLSettings) {
        guard let session = connection.session else {
            printNote("-- connected to \(connection.target.serverDescription); nothing sent yet (--raw)", settings)
            return
        }
        printNote(
            "-- connected to \(connection.target.serverDescription), protocol \(session.protocolVersion)"
                + (session.tlsInfo.map { ", \($0.protocolVersion)" } ?? ", no TLS")
                + (session.authenticationName.map { ", authentication \($0)" } ?? ""),
            settings)
        let options = RenderOptions(revealSecrets: settings.revealSecrets)
        let lines = connection.loginMessages.map { $0.formatted(as: settings.format, options: options) }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// Prints a note (`-- …`): on standard output, or standard error when messages are written as JSON Lines.
    private static func printNote(_ text: String, _ settings: REPLSettings) {
        if settings.format == .json {
            printError(text)
        } else {
            REPLTerminal.shared.print(text)
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
