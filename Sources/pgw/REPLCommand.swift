import ArgumentParser
import Foundation
import Logging
import NIOCore
import PostgresClient
import PostgresREPL
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
            Bind statement="s1" parameters=["42"], Execute, Sync. Omitted fields take defaults (Execute alone: the \
            unnamed portal, all rows); \\hex 51 00 00 00 0d … sends raw bytes; length=N or (on Bind) count=N \
            sends a deliberately wrong message. Replies print as they arrive (B lines), sent messages as F lines. \
            Meta-commands: \\help [MESSAGE], \\send, \\set autosend on|off, \\wait [MS], \\expect TYPE \
            [field=value…], \\format text|json|hex, \\reveal on|off, \\cancel, \\quit.

            When standard input is not a terminal, or with --file, the lines run as a script: the first failed \
            \\expect or \\wait, or a line that does not parse, stops it with exit status 1 and the line number; \
            at the end, pgw waits for the replies to every Query and Sync sent. Lines starting with # or -- are \
            comments.

            Environment:
              PGHOST  The server's host when neither the conninfo nor -h gives one.
              PGPORT  The server's port when neither the conninfo nor -p gives one.
              PGUSER  The user name when neither the conninfo nor -U gives one.
              PGDATABASE  The database when neither the conninfo nor -d gives one.
              PGPASSWORD  The password (else PGPASSFILE, default ~/.pgpass).
              PGSSLMODE  Sslmode, as the other PG* variables of libpq.

            Examples:
              pgw repl -h localhost -U alice -d app
              pgw repl "host=localhost user=alice dbname=app"
              pgw repl postgresql://alice@db.example.com/app?sslmode=require \\
                --file probe.pgw
              printf 'Query "select 1"\\n\\\\expect RowDescription\\n' | pgw repl
              printf 'StartupMessage user="alice"\\n\\\\wait\\n' | \\
                pgw repl --raw host=localhost
            """
    )

    @Argument(help: ArgumentHelp("A libpq connection string or postgresql:// URI.", valueName: "conninfo"))
    var connectionString = ""

    @OptionGroup var target: ConnectionTargetOptions

    @Option(
        name: .shortAndLong, help: ArgumentHelp("Run the lines of this script, then exit.", valueName: "file"),
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

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number") }
    }

    func run() async throws {
        let script = try readScript()
        let options: ConnectionOptions
        do {
            options = try ConnectionOptions(parameters: target.parameters(connectionString: connectionString))
        } catch {
            Self.printError("pgw: invalid connection string: \(error)")
            throw ExitCode(64)
        }
        let connection: REPLConnection
        do {
            connection =
                raw
                ? try await REPLConnection.connectRaw(options)
                : try await REPLConnection.connect(options, logger: logging.makeLogger(label: "pgw.repl"))
        } catch {
            Self.printError("pgw: cannot connect: \(error)")
            throw ExitCode.failure
        }
        let settings = REPLSettings(
            format: format, revealSecrets: revealSecrets, timeout: .milliseconds(Int(timeout * 1000)))
        let session = REPLSession(transport: connection, settings: settings) { line in
            REPLTerminal.shared.print(line)
        }
        Self.printLogin(connection, settings: settings)
        let pump = Task {
            for await event in connection.events { await session.receive(event) }
        }
        defer { pump.cancel() }
        let succeeded: Bool
        if let script {
            succeeded = await Self.run(script, name: file ?? "standard input", session: session)
        } else {
            await REPLInteractive.run(session: session)
            succeeded = true
        }
        if connection.session != nil { try? await connection.send(Self.terminate, messages: [.terminate]) }
        await connection.close()
        if !succeeded { throw ExitCode.failure }
    }

    /// The script's lines, or `nil` when standard input is a terminal and there is no --file.
    private func readScript() throws -> [String]? {
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else {
                Self.printError("pgw: cannot read '\(file)': \(String(cString: strerror(errno)))")
                throw ExitCode.failure
            }
            data = contents
        } else if isatty(STDIN_FILENO) == 0 {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            return nil
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
    }

    /// Runs the script's lines; whether all succeeded.
    private static func run(_ lines: [String], name: String, session: REPLSession) async -> Bool {
        for (index, line) in lines.enumerated() {
            switch await session.execute(line) {
            case .done: continue
            case .quit: return true
            case .failed(let reason):
                printError("pgw: \(name):\(index + 1):" + (reason.contains("\n") ? "\n" : " ") + reason)
                return false
            }
        }
        if case .failed(let reason) = await session.waitForReady() {
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

    /// What the login established, as the messages that said it.
    private static func printLogin(_ connection: REPLConnection, settings: REPLSettings) {
        guard let session = connection.session else {
            REPLTerminal.shared.print(
                "-- connected to \(connection.target.serverDescription); nothing sent yet (--raw)")
            return
        }
        var lines = [
            "-- connected to \(connection.target.serverDescription), protocol \(session.protocolVersion)"
                + (session.tlsInfo.map { ", \($0.protocolVersion)" } ?? ", no TLS")
                + (session.authenticationMethod.map { ", authentication \($0.rawValue)" } ?? "")
        ]
        let options = RenderOptions(revealSecrets: settings.revealSecrets)
        var messages: [BackendMessage] = session.parameters.sorted { $0.key < $1.key }.map {
            .parameterStatus(ParameterStatus(name: $0.key, value: $0.value))
        }
        if let key = session.backendKey { messages.append(.backendKeyData(key)) }
        messages.append(.readyForQuery(session.transactionStatus))
        lines += messages.map { "B " + $0.rendered(options: options).textLine }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
