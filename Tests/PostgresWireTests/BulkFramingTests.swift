import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// `SessionDecoder.nextEvent(framingBulkMessages:)` sees what `nextEvent()` sees, in the same order, however the
/// streams are cut: DataRow and CopyData messages as frames in place (with the same column types), the rest and the
/// failures as events.
struct BulkFramingTests {
    /// Decodes both streams fed in chunks of `chunkSizes` (cycled), alternating directions; each message or failure
    /// as a line: direction, type byte, offset, length and (DataRow) column types, or the failure.
    static func lines(
        frontend: ByteBuffer, backend: ByteBuffer, chunkSizes: [Int], framing: Bool
    ) -> [String] {
        var decoder = SessionDecoder()
        var lines: [String] = []
        // A DataRow or CopyData is shown with its text and JSON lines, as decoded messages and frames render them.
        let renderings = [RenderOptions(), RenderOptions(maximumTextValueLength: 8)].flatMap { options in
            [RenderFormat.text, .json].map { (format: $0, options: options) }
        }
        func drain() {
            while true {
                let event =
                    framing
                    ? decoder.nextEvent { direction, frame, types in
                        let name = frame.typeName(from: direction)
                        let rendered = renderings.map { format, options in
                            var line: [UInt8] = []
                            frame.write(
                                as: format, from: direction, valueTypes: types, options: options, linePrefix: "> ",
                                jsonMembers: JSONLineMembers([("n", .integer(1))]), textSuffix: " <", to: &line)
                            return String(decoding: line, as: UTF8.self)
                        }
                        lines.append(
                            "\(direction) \(name) @\(frame.streamOffset) \(frame.wireLength) \(types ?? []) \(rendered)"
                        )
                    } : decoder.nextEvent()
                guard let event else { return }
                switch event {
                case .message(let message):
                    let name = message.message.typeName
                    guard ["DataRow", "CopyData"].contains(name) else {
                        lines.append("\(message.direction) \(name) @\(message.offset)")
                        continue
                    }
                    let rendered = renderings.map { format, options in
                        message.formatted(
                            as: format, options: options, linePrefix: "> ", jsonMembers: [("n", .integer(1))],
                            textSuffix: " <")
                    }
                    lines.append(
                        "\(message.direction) \(name) @\(message.offset) \(message.bytes.readableBytes) "
                            + "\(message.valueTypes ?? []) \(rendered)")
                case .failure(let direction, let error):
                    lines.append("\(direction) failure \(error)")
                }
            }
        }
        feed(
            frontend: frontend, backend: backend, chunkSizes: chunkSizes, append: { decoder.append($0, from: $1) },
            finish: { decoder.finish() }, drain: drain)
        return lines
    }

    /// Feeds both streams to a decoder's `append` in chunks of `chunkSizes` (cycled), alternating directions, calling
    /// `drain` after each chunk; then calls `finish` and drains once more.
    static func feed(
        frontend: ByteBuffer, backend: ByteBuffer, chunkSizes: [Int], append: (ByteBuffer, MessageDirection) -> Void,
        finish: () -> Void, drain: () -> Void
    ) {
        var streams = [frontend, backend]
        var sizeIndex = 0
        while streams.contains(where: { $0.readableBytes > 0 }) {
            for (index, direction) in MessageDirection.allCases.enumerated() {
                let size = chunkSizes[sizeIndex % chunkSizes.count]
                sizeIndex += 1
                if let chunk = streams[index].readSlice(length: min(size, streams[index].readableBytes)),
                    chunk.readableBytes > 0
                {
                    append(chunk, direction)
                }
                drain()
            }
        }
        finish()
        drain()
    }

    /// Decodes both streams fed in chunks of `chunkSizes` (cycled), alternating directions, counting DataRow and
    /// CopyData messages in place (`counting`) or decoding them: each event as a line (direction, type, offset, or the
    /// failure), and DataRow and CopyData messages as lines of runs (direction, type, count and bytes), consecutive
    /// runs of one direction and type merged.
    static func runLines(frontend: ByteBuffer, backend: ByteBuffer, chunkSizes: [Int], counting: Bool) -> [String] {
        var decoder = SessionDecoder()
        var lines: [String] = []
        var run: MessageStatistics.Entry?
        func add(_ next: MessageStatistics.Entry?) {
            if let next, let current = run, current.direction == next.direction, current.type == next.type {
                run?.count += next.count
                run?.bytes += next.bytes
                return
            }
            if let run { lines.append("\(run.direction) \(run.type) ×\(run.count) \(run.bytes) bytes") }
            run = next
        }
        func drain() {
            while let event = counting ? decoder.nextEventCountingBulkMessages({ add($0) }) : decoder.nextEvent() {
                switch event {
                case .message(let message):
                    let name = message.message.typeName
                    guard ["DataRow", "CopyData"].contains(name) else {
                        add(nil)
                        lines.append("\(message.direction) \(name) @\(message.offset)")
                        continue
                    }
                    add(
                        MessageStatistics.Entry(
                            direction: message.direction, type: name, count: 1, bytes: message.bytes.readableBytes))
                case .failure(let direction, let error):
                    add(nil)
                    lines.append("\(direction) failure \(error)")
                }
            }
        }
        feed(
            frontend: frontend, backend: backend, chunkSizes: chunkSizes, append: { decoder.append($0, from: $1) },
            finish: { decoder.finish() }, drain: drain)
        add(nil)
        return lines
    }

    /// `lines(true)`, the lines with DataRow and CopyData framed or counted in place, expected to be `lines(false)`,
    /// the lines decoding gives (`lines` is ``lines(frontend:backend:chunkSizes:framing:)`` or
    /// ``runLines(frontend:backend:chunkSizes:counting:)``).
    static func inPlace(
        _ lines: (_ inPlace: Bool) -> [String], sourceLocation: SourceLocation = #_sourceLocation
    ) -> [String] {
        let inPlace = lines(true)
        #expect(inPlace == lines(false), sourceLocation: sourceLocation)
        return inPlace
    }

    /// `nextEventCountingBulkMessages(_:)` counts the messages `nextEvent()` decodes, in the same place among the
    /// events, however the streams are cut (malformed rows included: see ``malformedRows(body:)``).
    @Test(arguments: SyntheticSessions.all)
    func countingSeesWhatDecodingSees(_ session: SyntheticSessions.Session) {
        for chunkSizes in [[Int.max], [1], [7, 3, 11]] {
            _ = Self.inPlace {
                Self.runLines(
                    frontend: session.frontendBytes, backend: session.backendBytes, chunkSizes: chunkSizes,
                    counting: $0)
            }
        }
    }

    @Test(arguments: SyntheticSessions.all)
    func framingSeesWhatDecodingSees(_ session: SyntheticSessions.Session) {
        var generator = SeededRandomNumberGenerator(seed: 0xF4A3E)
        let random = (0..<64).map { _ in Int.random(in: 1...40, using: &generator) }
        for chunkSizes in [[Int.max], [1], random] {
            _ = Self.inPlace {
                Self.lines(
                    frontend: session.frontendBytes, backend: session.backendBytes, chunkSizes: chunkSizes, framing: $0)
            }
        }
    }

    /// A result whose rows have binary columns of known types, then a COPY in both directions.
    @Test func typedRowsAndCopy() {
        let frontend: [FrontendMessage] = [
            SyntheticSessions.startup,
            .parse(Parse(query: "select $1::int4", parameterTypes: [23])),
            .bind(
                Bind(
                    parameterFormats: [.binary], parameters: [ByteBuffer(bytes: [0, 0, 0, 1])], resultFormats: [.binary]
                )),
            .describe(.portal("")), .execute(Execute(portal: "", maxRows: 0)), .sync,
            .query(Query("copy t from stdin")),
            .copyData(CopyData(data: ByteBuffer(string: "1\tsome \"long\" text\n"))),
            .copyData(CopyData(data: ByteBuffer(bytes: [0xE9, 0x00, 0x01]))),
            .copyData(CopyData(data: ByteBuffer(string: "2\n"))), .copyDone,
        ]
        let backend: [BackendMessage] =
            SyntheticSessions.serverReady + [
                .parseComplete, .bindComplete,
                .rowDescription(
                    RowDescription(columns: [.init(name: "a", dataTypeOID: 23, dataTypeSize: 4, format: .binary)])),
                .dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 0, 0, 42])])), .dataRow(DataRow(columns: [nil])),
                .rowDescription(
                    RowDescription(columns: [.init(name: "b", dataTypeOID: 25), .init(name: "c", dataTypeOID: 17)])),
                .dataRow(
                    DataRow(columns: [ByteBuffer(string: "a \\ longer \"text\"\n"), ByteBuffer(bytes: [0xFF, 0x00])])),
                .commandComplete(CommandComplete(tag: "SELECT 2")), .readyForQuery(.idle),
                .copyInResponse(CopyResponse(format: 0, columnFormats: [])),
                .commandComplete(CommandComplete(tag: "COPY 2")), .readyForQuery(.idle),
            ]
        let session = SyntheticSessions.Session(name: "typed rows", frontend: frontend, backend: backend)
        for chunkSizes in [[Int.max], [1], [7, 3, 11]] {
            let framed = Self.inPlace {
                Self.lines(
                    frontend: session.frontendBytes, backend: session.backendBytes, chunkSizes: chunkSizes, framing: $0)
            }
            #expect(framed.contains { $0.hasPrefix("backend DataRow @") && $0.contains("oid: 23") })
            let counted = Self.inPlace {
                Self.runLines(
                    frontend: session.frontendBytes, backend: session.backendBytes, chunkSizes: chunkSizes,
                    counting: $0)
            }
            // 19, 3 and 2 bytes of data, each after a 5-byte header.
            #expect(counted.contains("frontend CopyData ×3 39 bytes"))
        }
    }

    /// Malformed DataRows fail as decoding fails them, after the rows before them.
    @Test(arguments: [
        [0, 1, 0, 0, 0, 1, 0x41, 0x42] as [UInt8],  // a byte after the last column
        [0, 1, 0xFF, 0xFF, 0xFF, 0xFE],  // a column length below -1
        [0, 2, 0, 0, 0, 1, 0x41],  // a column missing
        [0],  // no column count
    ])
    func malformedRows(body: [UInt8]) {
        var backend = ByteBuffer()
        for message in SyntheticSessions.serverReady + [.dataRow(DataRow(columns: [ByteBuffer(string: "x")]))] {
            message.encode(into: &backend)
        }
        backend.writeInteger(UInt8(ascii: "D"))
        backend.writeInteger(Int32(body.count + 4))
        backend.writeBytes(body)
        var frontend = ByteBuffer()
        SyntheticSessions.startup.encode(into: &frontend)
        for chunkSizes in [[Int.max], [1]] {
            let framed = Self.inPlace {
                Self.lines(frontend: frontend, backend: backend, chunkSizes: chunkSizes, framing: $0)
            }
            #expect(framed.last?.hasPrefix("backend failure") == true)
            let counted = Self.inPlace {
                Self.runLines(frontend: frontend, backend: backend, chunkSizes: chunkSizes, counting: $0)
            }
            // The good row before the malformed one: type byte, length word, column count, column length and "x".
            #expect(counted.suffix(2).first == "backend DataRow ×1 12 bytes")
        }
    }
}
