import ArgumentParser
import Foundation
import NIOCore
import PostgresGateway
import PostgresProxy
import PostgresTLS
import PostgresWire
import UnixSignals

/// `pgw proxy`: a logging relay between PostgreSQL clients and a server.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Relay clients to a PostgreSQL server and log every message, decoded, as it passes.",
        discussion: """
            Listens on --listen and relays each client to --upstream: the client's StartupMessage is replayed \
            upstream, then every byte is forwarded unchanged in both directions while each message is decoded \
            and logged (TIME #CONNECTION F|B and the message, as 'pgw decode' prints it). The upstream server \
            authenticates the clients. SSLRequest is answered 'N' unless --tls-cert is given: then TLS is \
            terminated by the proxy and required (plaintext clients get FATAL 28000), or with --no-tls-require \
            offered (plaintext clients are relayed too, as pgbouncer's client_tls_sslmode=prefer). --tls-ca asks \
            clients for a certificate, which must chain to its CAs; --tls-require-client-cert refuses a client \
            without one (FATAL 28000, as PostgreSQL's clientcert=verify-ca). Each connection's opened line names \
            the client leg's TLS version and cipher, server name (SNI) and certificate subject, or 'client \
            plaintext'. GSSENCRequest is answered 'N'; a CancelRequest is forwarded to the upstream. A message the decoder cannot read is forwarded anyway and logged as Unknown, and so \
            is a message over 1 MiB, by its type, length and first bytes, without being decoded (with --record, \
            a Query or Parse up to 16 MiB is decoded and recorded). Each connection ends with a summary line \
            (messages, bytes, duration, errors, why it closed); \
            ReadyForQuery lines show the statement's latency, as 'pgw decode' shows it (text and JSON). With --pcap, \
            every connection's plaintext (decrypted, so with cleartext passwords and data: --reveal-secrets does not \
            apply) also goes to a pcapng file, one TCP stream per connection between the client's and the upstream's \
            addresses (in the authenticating mode, below, the client leg as the client saw it: between the client's \
            and the proxy's addresses), which Wireshark and tshark open as is: tshark -r FILE -d tcp.port==PORT,pgsql \
            -Y pgsql, where PORT (needed when it is not 5432) is the upstream's port, or in the authenticating mode \
            the proxy's listening port for the sessions and the upstream's for CancelRequests; 'pgw decode FILE' \
            without --port finds every stream whatever its ports.

            --output, --pcap and --keylog append (a new file gets mode 0600, an existing one open to others is made \
            private, a symbolic link is refused; --pcap goes on only with a capture it wrote); --record replaces its \
            file atomically (mode 0600) when the proxy stops: a directory it cannot write in is refused at startup.

            The log never loses a line: when it falls behind (a slow --output), the proxy stops reading from \
            the sockets until it catches up. Secrets (passwords, SASL data, cancel keys) are masked unless \
            --reveal-secrets. If the upstream cannot be reached or closes a session unexpectedly, the client \
            gets FATAL 08006. SIGINT or SIGTERM send clients FATAL 57P01, close within --shutdown-timeout and \
            flush the log; a second signal stops at once. Prints "listening on HOST:PORT" once it accepts.

            --upstream takes HOST:PORT, HOST (port 5432 or PGPORT) or a libpq connection string (conninfo or \
            postgresql:// URI); its first TCP host and port are used, with the PG* environment variables as \
            defaults whatever its form (PGSSLMODE=require makes HOST:PORT's leg TLS too). When its sslmode is \
            require, verify-ca or verify-full, the upstream leg is TLS and the proxy authenticates itself: \
            SCRAM-SHA-256-PLUS channel binding cannot cross a proxy, so the proxy asks the client for its \
            password (in cleartext over the client leg: give --tls-cert so that leg is TLS too; an empty one is \
            refused with 28P01, and the proxy's PGPASSFILE and PGPASSWORD are never used for it), logs in \
            upstream with the client library (sslrootcert, sslsni, channel_binding… as libpq), passing on every \
            startup parameter the client sent (TimeZone, DateStyle, search_path…), and relays from there; the \
            log says which mode each connection used. Otherwise the relay is transparent and the \
            upstream leg plaintext. The log warns of a cleartext password asked over a plaintext client leg, of \
            an upstream refusing the TLS its sslmode requires, and of bytes an upstream sends after its S answer \
            before the TLS handshake (injected data, CVE-2021-23222); the last two end the connection.

            --route PATTERN=SERVER picks the upstream by the TLS server name (SNI) the client sends (libpq sends \
            its host name): PATTERN is a host name or *.NAME (one label), SERVER is as --upstream, and {1} in it \
            stands for the name's leftmost label. Routes are tried in order, the first match wins; a client no \
            route matches goes to --upstream if it is given, else gets FATAL 08004. Routing needs --tls-cert. \
            CancelRequests go to the upstream that issued their key; in the authenticating mode clients get the \
            upstream's process ID (as pg_backend_pid() and their notifications show it) with a secret key of the \
            proxy's own, mapped to the upstream's key.

            --keylog FILE (else the SSLKEYLOGFILE environment variable) appends both legs' TLS secrets in the \
            NSS key log format, so Wireshark or tshark (-o tls.keylog_file:FILE) decrypt a capture of them. \
            Anyone who can read that file can decrypt the sessions.

            --record FILE writes, when the proxy stops, a 'pgw serve' script of what passed: the server's \
            version and parameters (a later login that reported other values, such as another database's \
            TimeZone, gets them in server.logins), and one rule per statement (matched exactly, used once, in \
            order) with its columns (types with their modifiers) and rows, command tag, error (with all its \
            fields), notices, COPY TO data or \
            notifications (not the session's own NOTIFY on a channel it listens to: serve delivers that itself; a \
            COPY FROM STDIN rule, text or binary, is its statement alone: serve takes the data \
            again; a statement only prepared and described is a rule of its columns; transaction control, SET, \
            RESET and DISCARD are left out, as are statements refused in a failed transaction: serve does them \
            itself), so 'pgw serve --script FILE' answers the same client run the same way. Binary parameters and \
            results are recorded as text (serve sends them in binary again), with the parameter types the server \
            described (param_types, for asyncpg); a portal's Executes with a row limit record all the rows fetched \
            across them; a \
            statement the server cancelled (57014) waits the time it ran plus 1s (delay) before its error, so the \
            client's timeout and CancelRequest end it on the replay as they did. Binary \
            values of types pgw cannot read as text, a failed COPY FROM STDIN, binary COPY TO STDOUT, a portal \
            failing after its row limit, FunctionCall and messages too large to decode (over 1 MiB; a Query or \
            Parse over 16 MiB) are not recordable; the \
            script's first line counts them by reason. With --record-match fingerprint, the rules match by \
            fingerprint and without the recorded values, so a replay whose statements carry other values \
            (timestamps, generated keys) takes the recorded answers in order. The text log is coloured on a \
            terminal (--color).

            Environment:
              PGHOST  The upstream's host when --upstream gives none.
              PGPORT  The upstream's port when --upstream gives none.
              PGSSLMODE  The upstream's sslmode, as the other PG* variables of libpq.
              SSLKEYLOGFILE  Where TLS secrets are appended when --keylog is not given.
              NO_COLOR  When set and not empty, --color auto does not colour.

            Examples:
              pgw proxy --listen 127.0.0.1:6432 --upstream 127.0.0.1:5432
              pgw proxy --upstream "host=db port=5432" --format json --output traffic.jsonl
              pgw proxy --upstream 127.0.0.1:5432 --skip DataRow,RowDescription --full
              pgw proxy --tls-cert server.crt --tls-key server.key \\
                --route '*.db.example.com={1}.internal:5432'
            """
    )

    @Option(help: ArgumentHelp("The address to listen on; port 0 picks a free one.", valueName: "host:port"))
    var listen = "127.0.0.1:6432"

    @Option(
        help: ArgumentHelp(
            "The PostgreSQL server: HOST:PORT or a libpq connection string (default: PGHOST, PGPORT and the other "
                + "PG* variables; with --route, only clients no route matches go to it).",
            valueName: "server"))
    var upstream: String?

    @Option(
        help: ArgumentHelp(
            "Relay clients whose TLS server name matches PATTERN (a name or *.NAME) to SERVER ({1}: the leftmost label).",
            valueName: "pattern=server"))
    var route: [String] = []

    @Option(
        help: ArgumentHelp(
            "Append both legs' TLS secrets to this file (NSS key log format; default: $SSLKEYLOGFILE).",
            valueName: "file"),
        completion: .file())
    var keylog: String?

    @Option(help: "The traffic log's format: text, json (JSON Lines), hex, or none (summaries only).")
    var format = TrafficLogFormat.text

    @Option(
        help: ArgumentHelp(
            "Append the traffic log to this file (mode 0600) instead of writing it to standard output.",
            valueName: "file"),
        completion: .file())
    var output: String?

    @Option(help: "Colour the text log: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.")
    var color = TrafficLogColorMode.auto

    @Option(
        help: ArgumentHelp(
            "Also append a pcapng capture of every connection's decrypted traffic (one TCP stream each) for "
                + "Wireshark/tshark; it holds cleartext passwords and data, unmasked.",
            valueName: "file"),
        completion: .file())
    var pcap: String?

    @Option(
        help: ArgumentHelp(
            "When the proxy stops, write every statement and its answer as a 'pgw serve' script.", valueName: "file"),
        completion: .file())
    var record: String?

    @Option(
        name: .customLong("record-match"),
        help: ArgumentHelp(
            "How the recorded rules match: exact (text and bound values) or fingerprint (other values too).",
            valueName: "exact|fingerprint"))
    var recordMatch: RecordedMatching = .exact

    @OptionGroup var messageTypes: MessageTypeOptions

    @Flag(help: "Do not shorten long values in the log.")
    var full = false

    @Flag(help: "Show passwords, SASL data and cancel keys instead of masking them.")
    var revealSecrets = false

    @OptionGroup var tls: ServerTLSOptions

    @Flag(
        inversion: .prefixedNo,
        help: "With --tls-cert, refuse clients that do not use TLS (FATAL 28000); --no-tls-require relays them too.")
    var tlsRequire = true

    @Flag(help: "Refuse clients that present no certificate chaining to --tls-ca (FATAL 28000).")
    var tlsRequireClientCert = false

    @OptionGroup var threads: EventLoopThreadOptions

    @OptionGroup var limits: SessionLimitOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard ListenAddress(listen) != nil else {
            throw ValidationError("--listen takes HOST:PORT (port 0 to 65535), got '\(listen)'.")
        }
        if !tlsRequire && !tls.isEnabled {
            throw ValidationError("--no-tls-require needs --tls-cert and --tls-key: it lets plaintext clients in too.")
        }
        if tlsRequireClientCert && tls.tlsCa == nil {
            throw ValidationError("--tls-require-client-cert needs --tls-ca: client certificates must chain to it.")
        }
        if !route.isEmpty && !tls.isEnabled {
            throw ValidationError("--route needs --tls-cert and --tls-key: routes go by the TLS server name (SNI).")
        }
        do {
            _ = try upstreamServer()
        } catch {
            throw ValidationError("--upstream: \(error)")
        }
        do {
            _ = try routes()
        } catch {
            throw ValidationError("--route: \(error)")
        }
    }

    /// `--upstream`, else (without routes) the `PG*` variables' server; `nil` when only routes pick upstreams.
    private func upstreamServer() throws -> UpstreamServer? {
        guard let text = upstream ?? (route.isEmpty ? "" : nil) else { return nil }
        return try UpstreamServer(parsing: text, environment: ProcessInfo.processInfo.environment)
    }

    private func routes() throws -> [UpstreamRoute] {
        try route.map { try UpstreamRoute(parsing: $0, environment: ProcessInfo.processInfo.environment) }
    }

    /// `--keylog`, else `SSLKEYLOGFILE` when set and not empty.
    private var keyLogPath: String? {
        keylog ?? ProcessInfo.processInfo.environment["SSLKEYLOGFILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let listenAddress = ListenAddress(listen)!
        let (host, port) = (listenAddress.host, listenAddress.port)
        let configuration = ProxyConfiguration(
            upstream: try upstreamServer(), routes: try routes(), format: format, filter: messageTypes.filter,
            renderOptions: RenderOptions(revealSecrets: revealSecrets, maximumTextValueLength: full ? .max : 120),
            upstreamKeyLogFile: keyLogPath,
            colors: color.colors(
                isTerminal: output == nil && isatty(STDOUT_FILENO) == 1,
                environment: ProcessInfo.processInfo.environment),
            requiresClientTLS: tlsRequire, requiresClientCertificate: tlsRequireClientCert)
        let keyLog: TLSKeyLog?
        do {
            keyLog = try keyLogPath.map { try TLSKeyLog(path: $0) }
        } catch {
            throw CommandFailure("--keylog: \(error)")
        }
        let sink =
            try output.map { path in try Self.opening("--output") { try TrafficLogSink.file(atPath: path) } }
            ?? TrafficLogSink(fileDescriptor: STDOUT_FILENO, closesDescriptor: false)
        let capture = try pcap.map { path in try Self.opening("--pcap") { try TrafficLogSink.capture(atPath: path) } }
        let logger = logging.makeLogger(label: "pgw.proxy")
        let recording = record.map { ScriptRecording(path: $0, matching: recordMatch) }
        do {
            try recording?.checkWritable()
        } catch {
            throw CommandFailure("--record: \(error) (the recording is written there when the proxy stops)")
        }
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        // One thread per four cores: a relay's work per transaction is a fraction of the server's, and each time a
        // thread sleeps and wakes costs two context switches. With pgbench on the same two cores (.ci/bench-proxy),
        // one thread relayed as many transactions as two (within the noise) at 15 % less CPU per transaction
        // (median, logging off or JSON) and a third of the voluntary switches.
        let group = threads.makeGroup { cores in cores / 4 }
        let serverTLS = try tls.serverConfiguration(keyLog: keyLog)
        let proxy: PostgresProxy
        do {
            proxy = try await PostgresProxy.start(
                host: host, port: port, configuration: configuration, sink: sink, capture: capture, tls: serverTLS,
                maximumConnections: limits.maxConnections, recording: recording, group: group, logger: logger)
        } catch {
            throw CommandFailure.listening(on: host, port: port, error)
        }
        listenAddress.announce(bound: proxy.localAddress)
        var received = signals.makeAsyncIterator()
        guard let first = await received.next() else { return }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        logger.info("received \(first): shutting down (a second signal stops at once)")
        await proxy.shutdown(timeout: limits.shutdownTimeAmount)
        try? await group.shutdownGracefully()
        do {
            try recording?.write()
        } catch {
            throw CommandFailure("--record: \(error)")
        }
    }

    /// The sink `open` opens for `option`; a failure names the option.
    private static func opening(
        _ option: String, _ open: () throws -> TrafficLogSink
    ) throws -> TrafficLogSink {
        do {
            return try open()
        } catch {
            throw CommandFailure("\(option): \(error)")
        }
    }
}

extension TrafficLogFormat: ExpressibleByArgument {}

extension TrafficLogColorMode: ExpressibleByArgument {}
