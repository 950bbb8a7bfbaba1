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
            and logged (TIME CONNECTION F|B and the message, as 'pgw decode' prints it). The upstream server \
            authenticates the clients. SSLRequest is answered 'N' unless --tls-cert is given (then TLS is \
            terminated by the proxy and required); GSSENCRequest is answered 'N'; a CancelRequest is forwarded \
            to the upstream. A message the decoder cannot read is forwarded anyway and logged as Unknown. Each \
            connection ends with a summary line (messages, bytes, duration, errors, why it closed); \
            ReadyForQuery lines show the statement's latency. With --pcap, every connection's plaintext also \
            goes to a pcapng file, one TCP stream per connection between the client's and the upstream's \
            addresses, which Wireshark and tshark open as is (tshark -r FILE -d tcp.port==PORT,pgsql -Y pgsql \
            when the upstream port is not 5432).

            The log never loses a line: when it falls behind (a slow --output), the proxy stops reading from \
            the sockets until it catches up. Secrets (passwords, SASL data, cancel keys) are masked unless \
            --reveal-secrets. If the upstream cannot be reached or closes a session unexpectedly, the client \
            gets FATAL 08006. SIGINT or SIGTERM send clients FATAL 57P01, close within --shutdown-timeout and \
            flush the log; a second signal stops at once. Prints "listening on HOST:PORT" once it accepts.

            --upstream takes HOST:PORT or a libpq connection string (conninfo or postgresql:// URI); its first \
            TCP host and port are used, with the PG* environment variables as defaults. When its sslmode is \
            require, verify-ca or verify-full, the upstream leg is TLS and the proxy authenticates itself: \
            SCRAM-SHA-256-PLUS channel binding cannot cross a proxy, so the proxy asks the client for its \
            password (in cleartext over the client leg: give --tls-cert so that leg is TLS too), logs in \
            upstream with the client library (sslrootcert, sslsni, channel_binding… as libpq) and relays from \
            there; the log says which mode each connection used. Otherwise the relay is transparent and the \
            upstream leg plaintext. The log warns of a cleartext password asked over a plaintext client leg, of \
            an upstream refusing the TLS its sslmode requires, and of bytes an upstream sends after its S answer \
            before the TLS handshake (injected data, CVE-2021-23222); the last two end the connection.

            --route PATTERN=SERVER picks the upstream by the TLS server name (SNI) the client sends (libpq sends \
            its host name): PATTERN is a host name or *.NAME (one label), SERVER is as --upstream, and {1} in it \
            stands for the name's leftmost label. Routes are tried in order, the first match wins; a client no \
            route matches goes to --upstream, or gets FATAL 08004 without one. Routing needs --tls-cert. \
            CancelRequests go to the upstream that issued their key; in the authenticating mode clients get the \
            proxy's own cancel keys, mapped to the upstream's.

            --keylog FILE (else the SSLKEYLOGFILE environment variable) appends both legs' TLS secrets in the \
            NSS key log format, so Wireshark or tshark (-o tls.keylog_file:FILE) decrypt a capture of them. \
            Anyone who can read that file can decrypt the sessions.

            --record FILE writes, when the proxy stops, a 'pgw serve' script of what passed: the server's \
            version and parameters, and one rule per statement (matched exactly, used once, in order) with its \
            columns and rows, command tag, error, notices, COPY TO data or notifications, so 'pgw serve --script \
            FILE' answers the same client run the same way. Binary-format results, COPY FROM STDIN and \
            FunctionCall are not recordable and are counted in the script's first line. The text log is coloured \
            on a terminal (--color).

            Examples:
              pgw proxy --listen 127.0.0.1:6432 --upstream 127.0.0.1:5432
              pgw proxy --upstream "host=db port=5432" --format json --output traffic.jsonl
              pgw proxy --upstream 127.0.0.1:5432 --skip DataRow,RowDescription --full
              pgw proxy --tls-cert server.crt --tls-key server.key --route '*.db.example.com={1}.internal:5432'
            """
    )

    @Option(help: ArgumentHelp("The address to listen on; port 0 picks a free one.", valueName: "host:port"))
    var listen = "127.0.0.1:6432"

    @Option(
        help: ArgumentHelp(
            "The PostgreSQL server: HOST:PORT or a libpq connection string (with --route: for clients no route matches).",
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
            valueName: "file"))
    var keylog: String?

    @Option(help: "The traffic log's format: text, json (JSON Lines), hex, or none (summaries only).")
    var format = TrafficLogFormat.text

    @Option(help: ArgumentHelp("Write the traffic log to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: "Colour the text log: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.")
    var color = TrafficLogColorMode.auto

    @Option(
        help: ArgumentHelp(
            "Also write a pcapng capture of every connection's plaintext (one TCP stream each) for Wireshark/tshark.",
            valueName: "file"))
    var pcap: String?

    @Option(
        help: ArgumentHelp(
            "When the proxy stops, write every statement and its answer as a 'pgw serve' script.", valueName: "file"))
    var record: String?

    @Option(
        help: ArgumentHelp("Log only these message types (comma-separated, repeatable).", valueName: "types"))
    var only: [String] = []

    @Option(help: ArgumentHelp("Do not log these message types (comma-separated, repeatable).", valueName: "types"))
    var skip: [String] = []

    @Flag(help: "Do not shorten long values in the log.")
    var full = false

    @Flag(help: "Show passwords, SASL data and cancel keys instead of masking them.")
    var revealSecrets = false

    @Option(
        help: ArgumentHelp(
            "The certificate chain (PEM) for the client leg; enables and requires TLS.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The private key (PEM) for the client leg.", valueName: "file"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("CA certificates (PEM) that client certificates must chain to.", valueName: "file"))
    var tlsCa: String?

    @Option(help: "The most relayed sessions at once; more clients get FATAL 53300.")
    var maxConnections = 1_000

    @Option(help: ArgumentHelp("Seconds clients get to take their FATAL 57P01 at shutdown.", valueName: "seconds"))
    var shutdownTimeout = 5

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard Self.listenAddress(listen) != nil else {
            throw ValidationError("--listen takes HOST:PORT (port 0 to 65535), got '\(listen)'.")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together.")
        }
        if tlsCa != nil && tlsCert == nil {
            throw ValidationError("--tls-ca needs --tls-cert and --tls-key.")
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections takes a number from 1 to 1000000, got \(maxConnections).")
        }
        guard (0...3_600).contains(shutdownTimeout) else {
            throw ValidationError("--shutdown-timeout takes seconds from 0 to 3600, got \(shutdownTimeout).")
        }
        guard upstream != nil || !route.isEmpty else {
            throw ValidationError("Give --upstream, or --route (with --tls-cert), or both.")
        }
        if !route.isEmpty && tlsCert == nil {
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

    private func upstreamServer() throws -> UpstreamServer? {
        try upstream.map { try UpstreamServer(parsing: $0, environment: ProcessInfo.processInfo.environment) }
    }

    private func routes() throws -> [UpstreamRoute] {
        try route.map { try UpstreamRoute(parsing: $0, environment: ProcessInfo.processInfo.environment) }
    }

    /// `--keylog`, else `SSLKEYLOGFILE` when set and not empty.
    private var keyLogPath: String? {
        keylog ?? ProcessInfo.processInfo.environment["SSLKEYLOGFILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let (host, port) = Self.listenAddress(listen)!
        let types: ([String]) -> [String] = { lists in
            lists.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        let configuration = ProxyConfiguration(
            upstream: try upstreamServer(), routes: try routes(), format: format,
            filter: MessageTypeFilter(only: types(only), skip: types(skip)),
            renderOptions: RenderOptions(revealSecrets: revealSecrets, maximumTextValueLength: full ? .max : 120),
            upstreamKeyLogFile: keyLogPath,
            colors: color.colors(
                isTerminal: output == nil && isatty(STDOUT_FILENO) == 1,
                environment: ProcessInfo.processInfo.environment))
        let sink: TrafficLogSink
        let capture: TrafficLogSink?
        do {
            sink =
                try output.map { try TrafficLogSink.file(atPath: $0) }
                ?? TrafficLogSink(fileDescriptor: STDOUT_FILENO, closesDescriptor: false)
            capture = try pcap.map { try TrafficLogSink.file(atPath: $0) }
        } catch {
            throw CommandFailure("\(error)")
        }
        let logger = logging.makeLogger(label: "pgw.proxy")
        let recording = record.map(ScriptRecording.init(path:))
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let proxy = try await PostgresProxy.start(
            host: host, port: port, configuration: configuration, sink: sink, capture: capture,
            tls: try tlsConfiguration(),
            maximumConnections: maxConnections, recording: recording, logger: logger)
        let shown = host.contains(":") ? "[\(host)]" : host
        FileHandle.standardOutput.write(Data("listening on \(shown):\(proxy.localAddress?.port ?? port)\n".utf8))
        var received = signals.makeAsyncIterator()
        guard let first = await received.next() else { return }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        logger.info("received \(first): shutting down (a second signal stops at once)")
        await proxy.shutdown(timeout: TimeAmount.seconds(Int64(shutdownTimeout)))
        do {
            try recording?.write()
        } catch {
            throw CommandFailure("--record: \(error)")
        }
    }

    /// `HOST:PORT` or `[V6]:PORT` with a port from 0 to 65535.
    static func listenAddress(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    private func tlsConfiguration() throws -> PostgresServerConnectionConfiguration.TLS? {
        guard let tlsCert, let tlsKey else { return nil }
        let identity = try TLSIdentity(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
        let verification = tlsCa.map { TLSClientCertificateVerification.optional(trustRoots: .pemFile($0)) } ?? .none
        let keyLog: TLSKeyLog?
        do {
            keyLog = try keyLogPath.map { try TLSKeyLog(path: $0) }
        } catch {
            throw CommandFailure("--keylog: \(error)")
        }
        let configuration = TLSServerConfiguration(
            identity: identity, clientCertificateVerification: verification, keyLog: keyLog)
        return .context(try TLSServerContext(configuration: configuration))
    }
}

extension TrafficLogFormat: ExpressibleByArgument {}

extension TrafficLogColorMode: ExpressibleByArgument {}
