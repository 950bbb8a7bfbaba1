import ArgumentParser
import Foundation
import NIOCore
import PostgresWire

/// `pgw decode`: decodes captured byte streams of one connection.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode captured PostgreSQL wire traffic of one connection.",
        discussion: """
            Reads the raw bytes a client sent (--frontend) and/or the bytes the server sent (--backend), \
            as captured from one connection, and prints every message. With both streams, each resolves \
            the other's context: the server's one-byte SSL answers and what each 'p' message is (password, \
            SASL or GSS). With one stream, that context is inferred from the bytes. The streams are read \
            as the decoding needs them, in chunks, so memory stays the same whatever their length; they may \
            be files, pipes, FIFOs, /dev/stdin or process substitutions.

            Malformed input: everything valid is printed, then the offset and reason of the first error \
            go to standard error and pgw exits with status 1. Passwords, SASL and GSS data and cancel keys \
            are masked unless --reveal-secrets is given. An input that cannot be read, or an output that \
            cannot be written (a closed pipe, a full disk), is reported with the system's reason and exits \
            with status 1.

            JSON output: one object per line, each with "schema": 1, the version of the format. The JSON \
            Schema docs/pgw-messages.schema.json in the pgw repository describes every member of every \
            message type: text is a JSON string, raw bytes are {"text": ...} or {"hex": ...}, a masked \
            secret is {"maskedBytes": n}, and "length" is always the whole message's length.

            Examples:
              pgw decode --frontend client.bin --backend server.bin
              pgw decode --backend server.bin --format json
              cat client.bin | pgw decode --frontend - --summary
              pgw decode --frontend <(zcat client.gz) --backend <(zcat server.gz)
            """
    )

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

    @Option(name: .long, help: "The output format.")
    var format: RenderFormat = .text

    @Flag(name: .long, help: "Print message counts and bytes per type instead of the messages.")
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
                    : "Unexpected argument '\(first)'; give the streams with --frontend and --backend.")
        }
        guard frontend != nil || backend != nil else {
            throw ValidationError("Give --frontend, --backend or both.")
        }
        guard !(frontend == "-" && backend == "-") else {
            throw ValidationError("Only one stream can be read from standard input.")
        }
        guard maxMessageLength >= 5 else {
            throw ValidationError("--max-message-length must be at least 5.")
        }
    }

    func run() throws {
        let output = StandardOutputWriter()
        do {
            var inputs: [MessageDirection: DecodeInput] = [:]
            for case (let direction, let path?) in [(MessageDirection.frontend, frontend), (.backend, backend)] {
                inputs[direction] = try DecodeInput(path: path)
            }
            let (notices, failures) = try decode(inputs, to: output)
            try output.flush()
            Self.printToStandardError(notices + failures)
            guard failures.isEmpty else { throw ExitCode.failure }
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
        _ inputs: [MessageDirection: DecodeInput], to output: StandardOutputWriter
    ) throws -> (notices: [String], failures: [String]) {
        var decoder = SessionDecoder(maximumMessageLength: maxMessageLength, waitsForTurn: true)
        for direction in MessageDirection.allCases where inputs[direction] == nil {
            decoder.finish(direction)
        }
        let options = RenderOptions(revealSecrets: revealSecrets)
        let allocator = ByteBufferAllocator()
        var statistics = MessageStatistics()
        var failures: [String] = []
        var skippedEncryptedBytes: [MessageDirection: Int] = [:]
        while true {
            while let event = decoder.nextEvent() {
                switch event {
                case .message(let message):
                    if summary {
                        statistics.add(message)
                    } else {
                        try output.writeLine(message.formatted(as: format, options: options))
                    }
                case .failure(let direction, let error):
                    failures.append("pgw: \(direction) stream: \(error)")
                    if Self.looksSwapped(direction, error, firstByte: inputs[direction]?.firstByte) {
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
            try output.flush()
            let chunk = try input.read(allocator: allocator)
            if input.isAtEnd {
                decoder.finish(direction)
            } else if decoder.isEncrypted(direction) {
                skippedEncryptedBytes[direction, default: 0] += chunk.readableBytes
            } else {
                decoder.append(chunk, from: direction)
            }
        }
        if summary {
            try output.writeLine(statistics.formatted(as: format))
        }
        let encrypted = MessageDirection.allCases.filter(decoder.isEncrypted).map { direction in
            let count = decoder.remainingBytes(direction) + skippedEncryptedBytes[direction, default: 0]
            return "pgw: \(direction) stream: \(count) encrypted bytes not decoded"
        }
        return (encrypted, failures)
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
