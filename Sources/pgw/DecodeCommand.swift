import ArgumentParser
import Foundation
import NIOCore
import PostgresCapture
import PostgresWire

/// `pgw decode`: decodes captured byte streams of one connection.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract:
            "Decode captured PostgreSQL wire traffic: a pcap/pcapng capture, or the byte streams of one connection.",
        discussion: """
            A capture file (pcap or pcapng, as tcpdump -w, Wireshark or dumpcap write it) is read packet by \
            packet through libpcap: every TCP connection to a PostgreSQL port (--port, default 5432, or any \
            connection whose first packet is a startup packet) is reassembled (out-of-order segments, \
            retransmissions, overlaps; missing bytes are reported as a gap and decoding resumes at the next \
            message boundary) and decoded. Each line has the packet's time (UTC, with microseconds, or nanoseconds \
            when the capture records them: that of the packet a message's first byte came in) and the connection's \
            number; messages of all connections come in time order. A ReadyForQuery shows the latency of the round \
            trip it ends (from its Query or FunctionCall, or first extended-protocol message after the previous \
            Sync, to the ReadyForQuery); after missing bytes, which make it uncertain which round trip a \
            ReadyForQuery ends, none is shown until a ReadyForQuery after which both directions decode again, and \
            the next round trip is timed. Connections that negotiate \
            TLS show the negotiation and are marked encrypted. Memory is bounded by the open connections (each \
            holds at most the message it decodes, up to --max-message-length), not the file's size. Link \
            layers: Ethernet (VLAN tags too), Linux cooked SLL and SLL2, loopback, raw IP, PPP; IPv4 and IPv6 \
            (IP fragments are not reassembled: reported as missing bytes).

            Raw streams: --frontend (the bytes a client sent) and/or --backend (the bytes the server sent) of \
            one connection. With both, each resolves the other's context (the server's one-byte SSL answers, \
            what each 'p' message is) and messages are interleaved by protocol causality: a reply is never \
            printed before the message that caused it (turns end at Sync, Query, Flush with pending messages, \
            CopyDone, ReadyForQuery). Two files carry no timing, so the exact interleaving (asynchronous \
            notices, pipelining) needs a pcap. The streams are read as needed, in chunks; they may be files, \
            pipes, FIFOs, /dev/stdin or process substitutions.

            Text that is not UTF-8 (a LATIN1 client) is shown with its bytes escaped (\\xe9) and decoding goes \
            on. Malformed input: everything valid is printed, then the offset and reason of the first error go \
            to standard error and pgw exits with status 1. Passwords, SASL and GSS data and cancel keys are \
            masked unless --reveal-secrets is given. An input that cannot be read, or an output that cannot be \
            written (a closed pipe, a full disk), is reported with the system's reason and exits with status 1.

            JSON output: one object per line, each with "schema": 1, the version of the format. The JSON \
            Schema docs/pgw-messages.schema.json in the pgw repository describes every member of every \
            message type: text is a JSON string ({"hex": ...} when not UTF-8), raw bytes are {"text": ...} or \
            {"hex": ...}, a masked secret is {"maskedBytes": n}, and "length" is always the whole message's \
            length. From a capture, lines also have "connection", "time", "client", "server" and, on a \
            ReadyForQuery, "latencyMicroseconds"; notes about connections (opened, gaps, closed) go to \
            standard error.

            Examples:
              tcpdump -i any -w x.pcap port 5432;  pgw decode x.pcap
              pgw decode x.pcapng --connection 3 --skip DataRow,RowDescription
              pgw decode x.pcap --filter "host 10.0.0.5" --grep "(?i)update" --full
              pgw decode x.pcap --summary
              pgw decode --frontend client.bin --backend server.bin
              pgw decode --frontend <(zcat client.gz) --backend <(zcat server.gz) \\
                --format json
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A pcap or pcapng capture (tcpdump -w, Wireshark, dumpcap; '-' for standard input).", valueName: "capture"))
    var capture: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The client-to-server byte stream ('-' for standard input).", valueName: "file"),
        completion: .file()
    )
    var frontend: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The server-to-client byte stream ('-' for standard input).", valueName: "file"),
        completion: .file()
    )
    var backend: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A PostgreSQL server port in the capture (repeatable; default 5432).", valueName: "port"))
    var port: [UInt16] = []

    @Option(name: .long, help: ArgumentHelp("Only the capture's connection with this number.", valueName: "number"))
    var connection: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only the capture's packets matching this BPF expression (as tcpdump takes); connections keep the "
                + "numbers they have without it.", valueName: "expression"))
    var filter: String?

    @OptionGroup var messageTypes: MessageTypeOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Print only the Query, Parse, Bind and Execute messages whose statement matches (a Bind or Execute by "
                + "the text its prepared statement was parsed with, the unnamed one's too), and the ReadyForQuery "
                + "ending each.",
            valueName: "regex"))
    var grep: String?

    @Flag(name: .long, help: "Show long text whole instead of cutting it at 120 characters.")
    var full = false

    @Option(name: .long, help: "The output format.")
    var format: RenderFormat = .text

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Print, per connection and overall, message counts and bytes per type, statements (each Execute, Query "
                + "and FunctionCall; an Execute named by the text its prepared statement was parsed with), errors by "
                + "SQLSTATE, the gaps (bytes missing from the capture) and the slowest statements (timed from the "
                + "first message of their round trip to its ReadyForQuery) instead of the messages; it counts every "
                + "message, so it takes no --grep, --only, --skip or --format hex."))
    var summary = false

    @Flag(name: .long, help: "Show passwords, SASL and GSS data and cancel keys instead of masking them.")
    var revealSecrets = false

    @Option(
        name: .long,
        help: ArgumentHelp("The largest message accepted, in bytes (default 1 GiB - 1).", valueName: "bytes"))
    var maxMessageLength = WireLimits.defaultMaximumMessageLength

    /// Arguments the parser does not know: validate() runs before the parser reports them, so it names them
    /// itself rather than hiding them behind another complaint (`-f x` is not "no --frontend").
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unrecognized: [String] = []

    func validate() throws {
        if let first = unrecognized.first(where: { $0 != "--" }) {
            throw ValidationError(
                first.hasPrefix("-") && unrecognized.first != "--"
                    ? "Unknown option '\(first.prefix { $0 != "=" })'."
                    : "Unexpected argument '\(first)'; give one capture file, or the streams with --frontend and --backend."
            )
        }
        if capture != nil {
            guard frontend == nil && backend == nil else {
                throw ValidationError("Give a capture file, or --frontend and --backend, not both.")
            }
        } else {
            // That neither a capture nor a stream was given is told in run(): the parser reports an unknown option
            // only after validate(), and takes an unknown option for a missing capture (`pgw decode --bogus`).
            for (name, given) in [
                ("--port", !port.isEmpty), ("--connection", connection != nil), ("--filter", filter != nil),
            ]
            where given {
                throw ValidationError("\(name) applies to a capture file; raw streams hold one connection.")
            }
        }
        if summary {
            // The totals are of every message: a choice of messages to print, or a dump format, has nothing to apply
            // to, and would leave the user believing the totals were of the chosen messages.
            for (name, given) in [
                ("--grep", grep != nil), ("--only", !messageTypes.only.isEmpty),
                ("--skip", !messageTypes.skip.isEmpty), ("--format hex", format == .hex),
            ] where given {
                throw ValidationError(
                    "\(name) applies to the messages printed; --summary counts every message and prints totals "
                        + "(as text or --format json): give one of them.")
            }
        }
        if let connection, connection < 1 {
            throw ValidationError("--connection takes a connection's number, from 1.")
        }
        if let grep {
            do { _ = try Regex(grep) } catch { throw ValidationError("--grep: invalid regular expression: \(error)") }
        }
        guard !(frontend == "-" && backend == "-") else {
            throw ValidationError("Only one stream can be read from standard input.")
        }
        guard maxMessageLength >= 5 else {
            throw ValidationError("--max-message-length must be at least 5.")
        }
    }

    func run() throws {
        guard capture != nil || frontend != nil || backend != nil else {
            // As the parser reports a usage error: the message, this command's usage, exit status 64.
            Self.printToStandardError([
                "Error: Give a capture file, or --frontend, --backend or both.",
                "Usage: " + PGW.usageString(for: Self.self), "  See 'pgw decode --help' for more information.",
            ])
            throw ExitCode(64)
        }
        let output = StandardOutputWriter()
        let printer = DecodePrinter(
            output: output, format: format,
            options: RenderOptions(revealSecrets: revealSecrets, maximumTextValueLength: full ? Int.max : 120),
            summarizes: summary, filter: messageFilter)
        do {
            if let capture {
                let failures = try decodeCapture(capture, printer: printer)
                try output.flush()
                Self.printToStandardError(failures)
                guard failures.isEmpty else { throw ExitCode.failure }
                return
            }
            var inputs: [MessageDirection: DecodeInput] = [:]
            for case (let direction, let path?) in [(MessageDirection.frontend, frontend), (.backend, backend)] {
                inputs[direction] = try DecodeInput(path: path)
            }
            let (notices, failures) = try decode(inputs, printer: printer)
            try output.flush()
            Self.printToStandardError(notices + failures)
            guard failures.isEmpty else { throw ExitCode.failure }
        } catch let error as CaptureFileError {
            try? output.flush()
            Self.printToStandardError(["pgw: \(error)", "pgw: hint: \(error.hint)"])
            throw error.kind == .filter ? ExitCode(64) : ExitCode.failure
        } catch let error as DecodeInputError {
            try? output.flush()
            Self.printToStandardError(["pgw: \(error)", "pgw: hint: \(error.hint)"])
            throw ExitCode.failure
        } catch let error as StandardOutputError {
            Self.printToStandardError(["pgw: \(error)"])
            throw ExitCode.failure
        }
    }

    /// Decodes the inputs chunk by chunk, reading whichever stream the decoder waits for, and writes the
    /// messages (or the summary) to `output`; returns the lines for standard error: notices of encrypted bytes,
    /// and failures.
    private func decode(
        _ inputs: [MessageDirection: DecodeInput], printer: DecodePrinter
    ) throws -> (notices: [String], failures: [String]) {
        var decoder = SessionDecoder(maximumMessageLength: maxMessageLength, waitsForTurn: true)
        for direction in MessageDirection.allCases where inputs[direction] == nil {
            decoder.finish(direction)
        }
        let allocator = ByteBufferAllocator()
        var failures: [String] = []
        var skippedEncryptedBytes: [MessageDirection: Int] = [:]
        while true {
            while let event = decoder.nextEvent() {
                switch event {
                case .message(let message):
                    try printer.print(message, connection: nil, time: nil)
                case .failure(let direction, let error):
                    failures.append("pgw: \(direction) stream: \(error)")
                    if Self.looksLikeCaptureFile(error, firstByte: inputs[direction]?.firstByte) {
                        failures.append(
                            "pgw: hint: this looks like a pcap or pcapng capture; decode it with 'pgw decode FILE'")
                    } else if Self.looksSwapped(direction, error, firstByte: inputs[direction]?.firstByte) {
                        let other = direction == .frontend ? MessageDirection.backend : .frontend
                        failures.append(
                            "pgw: hint: this looks like the \(other) stream; did you swap --frontend/--backend?")
                    }
                    inputs[direction]?.close()
                    decoder.finish(direction)
                }
            }
            let open = MessageDirection.allCases.filter { inputs[$0]?.isAtEnd == false }
            let awaited = decoder.awaitedDirection.flatMap { open.contains($0) ? $0 : nil }
            // Without a stream to wait for, drain encrypted rests first: they are counted, not kept.
            guard let direction = awaited ?? open.first(where: decoder.isEncrypted) ?? open.first,
                let input = inputs[direction]
            else { break }
            // What is decoded so far is shown before a read that may wait (a live FIFO or pipe).
            try printer.flush()
            let chunk = try input.read(allocator: allocator)
            if input.isAtEnd {
                decoder.finish(direction)
            } else if decoder.isEncrypted(direction) {
                skippedEncryptedBytes[direction, default: 0] += chunk.readableBytes
            } else {
                decoder.append(chunk, from: direction)
            }
        }
        try printer.finish()
        let encrypted = MessageDirection.allCases.filter(decoder.isEncrypted).map { direction in
            let count = decoder.remainingBytes(direction) + skippedEncryptedBytes[direction, default: 0]
            return "pgw: \(direction) stream: \(count) encrypted bytes not decoded"
        }
        return (encrypted, failures)
    }

    /// The `--only`, `--skip` and `--grep` choices.
    private var messageFilter: DecodeMessageFilter {
        DecodeMessageFilter(types: messageTypes.filter, pattern: grep.flatMap { try? Regex($0) })
    }

    /// The server ports of `--port`, or 5432.
    var ports: [UInt16] { port.isEmpty ? [5432] : port }

    /// Whether a failure at the start of a raw stream comes from a capture file given as one: the first byte of
    /// a pcap file's magic number (either byte order, microsecond or nanosecond) or of a pcapng block.
    private static func looksLikeCaptureFile(_ error: WireDecodingError, firstByte: UInt8?) -> Bool {
        error.offset == 0 && [0xD4, 0xA1, 0x4D, 0x0A].contains(firstByte ?? 0)
    }

    /// Whether a failure at the start of a stream suggests the streams were given the wrong way round: a
    /// backend message type where a startup packet's length should be, or a startup packet's zero length byte
    /// where a backend message type should be.
    private static func looksSwapped(_ direction: MessageDirection, _ error: WireDecodingError, firstByte: UInt8?)
        -> Bool
    {
        guard error.offset == 0, let firstByte else { return false }
        switch direction {
        case .frontend:
            let letter = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(firstByte & 0xDF)
            if case .messageTooLong = error.reason { return letter }
            return false
        case .backend:
            return error.reason == .unknownMessageType(0)
        }
    }

    private static func printToStandardError(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        FileHandle.standardError.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}

extension RenderFormat: ExpressibleByArgument {
    public static var allValueDescriptions: [String: String] {
        [
            "text": "one readable line per message",
            "json": "one JSON object per message (JSON Lines)",
            "hex": "a header line and a hex dump per message",
        ]
    }
}
