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
            SASL or GSS). With one stream, that context is inferred from the bytes.

            Malformed input: everything valid is printed, then the offset and reason of the first error \
            go to standard error and pgw exits with status 1. Passwords, SASL and GSS data and cancel keys \
            are masked unless --reveal-secrets is given.

            JSON output: one object per line, each with "schema": 1, the version of the format. The JSON \
            Schema docs/pgw-messages.schema.json in the pgw repository describes every member of every \
            message type: text is a JSON string, raw bytes are {"text": ...} or {"hex": ...}, a masked \
            secret is {"maskedBytes": n}, and "length" is always the whole message's length.

            Examples:
              pgw decode --frontend client.bin --backend server.bin
              pgw decode --backend server.bin --format json
              cat client.bin | pgw decode --frontend - --summary
            """
    )

    @Option(
        name: .long, help: ArgumentHelp("The client-to-server byte stream ('-' for standard input).", valueName: "file")
    )
    var frontend: String?

    @Option(
        name: .long, help: ArgumentHelp("The server-to-client byte stream ('-' for standard input).", valueName: "file")
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

    func validate() throws {
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
        var decoder = SessionDecoder(maximumMessageLength: maxMessageLength)
        let streams = [(MessageDirection.frontend, frontend), (.backend, backend)]
        for case (let direction, let path?) in streams {
            decoder.append(try Self.readAll(path), from: direction)
        }
        decoder.finish()

        let options = RenderOptions(revealSecrets: revealSecrets)
        var statistics = MessageStatistics()
        var failures: [String] = []
        while let event = decoder.nextEvent() {
            switch event {
            case .message(let message):
                if summary {
                    statistics.add(message)
                } else {
                    print(message.formatted(as: format, options: options))
                }
            case .failure(let direction, let error):
                failures.append("pgw: \(direction) stream: \(error)")
            }
        }
        if summary {
            print(statistics.formatted(as: format))
        }
        for direction in MessageDirection.allCases where decoder.isEncrypted(direction) {
            let remaining = decoder.remainingBytes(direction)
            FileHandle.standardError.write(
                Data("pgw: \(direction) stream: \(remaining) encrypted bytes not decoded\n".utf8))
        }
        guard failures.isEmpty else {
            FileHandle.standardError.write(Data((failures.joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
    }

    private static func readAll(_ path: String) throws -> ByteBuffer {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("cannot read '\(path)'")
            }
            data = contents
        }
        return ByteBuffer(bytes: data)
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
