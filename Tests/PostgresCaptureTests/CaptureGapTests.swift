import Foundation
import NIOCore
import PostgresCapture
import PostgresWire
import Testing

/// Lost bytes and skipped messages, with the stream offsets they are reported at: a gap is where its bytes are
/// missing, decoding resumes at the next message boundary with the stream's own offsets (the missing bytes counted),
/// and the bytes skipped are counted from where the loss or the failed message starts.
@Suite("CaptureDecoder reports gaps and skips at their stream offsets")
struct CaptureGapTests {
    typealias Scenario = CaptureScenario

    /// The events of `segments` as lines with stream offsets: `gap backend 19 at 120`, `resumed backend at 139
    /// skipping 0`, `B CopyData at 139`, `failure backend at 12`; other events as ``CaptureScenario/lines(_:)``.
    static func offsetLines(
        _ segments: [TCPSegment], maximumMessageLength: Int = WireLimits.defaultMaximumMessageLength
    ) throws -> [String] {
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let events = try Scenario.events(path, maximumMessageLength: maximumMessageLength)
        return events.map { event in
            switch event.kind {
            case .gap(let direction, let count, let offset): "gap \(direction) \(count) at \(offset)"
            case .resumed(let direction, let offset, let skipped):
                "resumed \(direction) at \(offset) skipping \(skipped)"
            case .message(let message):
                "\(message.direction == .frontend ? "F" : "B") \(message.message.typeName) at \(message.offset)"
            case .failure(let direction, let error): "failure \(direction) at \(error.offset)"
            default: String(Scenario.lines([event])[0].dropFirst(3))
            }
        }
    }

    /// The encoded length of `messages`.
    static func length(_ messages: [WireMessage]) -> Int {
        var bytes = ByteBuffer()
        for message in messages { message.encode(into: &bytes) }
        return bytes.readableBytes
    }

    /// `messages`, sent one after another from stream offset `start`, as ``offsetLines(_:maximumMessageLength:)``
    /// shows them.
    static func located(_ messages: [WireMessage], from start: Int) -> [String] {
        var offset = start
        return messages.map { message in
            defer { offset += length([message]) }
            return "\(message.direction == .frontend ? "F" : "B") \(message.typeName) at \(offset)"
        }
    }

    /// CopyData messages of a COPY's text rows (digits, tabs and words, as `copy t to stdout` sends them: a digit
    /// is also a backend type byte, ParseComplete's `1`).
    static func copyRows(_ range: Range<Int>) -> [WireMessage] {
        range.map { .backend(.copyData(CopyData(data: ByteBuffer(string: "\($0)\trow \($0)\n")))) }
    }

    @Test("a gap in each direction: at the missing bytes' offset, then the stream's own offsets, in packet order")
    func gapInEachDirection() throws {
        var connection = SyntheticConnection.ipv4()
        var segments =
            connection.handshake() + [connection.send(Scenario.startup), connection.send(Scenario.ready)]
        let (lost, kept, copy, next) = (
            Scenario.query("select 'lost'"), Scenario.query("select 'kept'"), Scenario.query("copy t to stdout"),
            Scenario.query("select 'next'")
        )
        let result = Scenario.result("SELECT 1")
        _ = connection.send(lost)
        segments += [connection.send(kept), connection.send(result), connection.send(copy)]
        let copyOut: [WireMessage] = [
            .backend(.copyOutResponse(CopyResponse(format: 0, columnFormats: [.text, .text])))
        ]
        let (before, missing, after) = (
            copyOut + Self.copyRows(0..<10), Self.copyRows(10..<1410), Self.copyRows(1410..<1420)
        )
        let end: [WireMessage] = [.backend(.copyDone)] + Scenario.result("COPY 1420")
        segments.append(connection.send(before))
        _ = connection.send(missing)
        segments.append(connection.send(after + end))
        // The client's next query acknowledges the bytes the capture lacks: the gap is known there.
        segments += [connection.send(next), connection.send(result)]
        segments += connection.close()

        let frontendGap = Self.length(Scenario.startup)
        let frontendResumes = frontendGap + Self.length(lost)
        let copyStart = Self.length(Scenario.ready + result)
        let backendGap = copyStart + Self.length(before)
        let backendResumes = backendGap + Self.length(missing)
        let nextStart = frontendResumes + Self.length(kept + copy)
        let expected =
            ["opened"] + Self.located(Scenario.startup, from: 0) + Self.located(Scenario.ready, from: 0)
            + [
                "gap frontend \(Self.length(lost)) at \(frontendGap)",
                "resumed frontend at \(frontendResumes) skipping 0",
            ]
            + Self.located(kept, from: frontendResumes) + Self.located(result, from: Self.length(Scenario.ready))
            + Self.located(copy, from: frontendResumes + Self.length(kept)) + Self.located(before, from: copyStart)
            + [
                "gap backend \(Self.length(missing)) at \(backendGap)",
                "resumed backend at \(backendResumes) skipping 0",
            ]
            + Self.located(after + end, from: backendResumes) + Self.located(next, from: nextStart)
            + Self.located(result, from: backendResumes + Self.length(after + end)) + ["closed FIN 0"]
        #expect(try Self.offsetLines(segments) == expected)
    }

    /// A session whose query `select big` is answered by a DataRow of `rowLength` bytes of `x`, `after` and
    /// `SELECT` messages, sent in segments of `segmentSize` bytes (the one at `lostSegment` lost), then a query
    /// `select 1` (which acknowledges them all) and the close; with the large row.
    static func largeRowSession(
        rowLength: Int, after: [WireMessage], segmentSize: Int, lostSegment: Int? = nil
    ) -> (segments: [TCPSegment], large: WireMessage) {
        var connection = SyntheticConnection.ipv4()
        var segments =
            connection.handshake() + [
                connection.send(Scenario.startup), connection.send(Scenario.ready),
                connection.send(Scenario.query("select big")),
            ]
        let large = WireMessage.backend(.dataRow(DataRow(columns: [ByteBuffer(repeating: 0x78, count: rowLength)])))
        var bytes = ByteBuffer()
        for message in [large] + after { message.encode(into: &bytes) }
        let all = Array(bytes.readableBytesView)
        for (index, start) in stride(from: 0, to: all.count, by: segmentSize).enumerated() {
            let segment = connection.send(.backend, Array(all[start..<min(start + segmentSize, all.count)]))
            if index != lostSegment { segments.append(segment) }
        }
        segments.append(connection.send(Scenario.query("select 1")))
        return (segments + connection.close(), large)
    }

    @Test("a gap inside a large message: decoding resumes at the message after it, the rest of it skipped")
    func gapInsideLargeMessage() throws {
        let small: [WireMessage] = (0..<3).map { .backend(.dataRow(DataRow(columns: [ByteBuffer(string: "\($0)")]))) }
        // The fourth 8 KiB segment is lost: the large row's middle.
        let (segments, large) = Self.largeRowSession(
            rowLength: 100_000, after: small + Scenario.result("SELECT 4"), segmentSize: 8192, lostSegment: 3)
        let rowsStart = Self.length(Scenario.ready)
        let gapStart = rowsStart + 3 * 8192
        let afterLarge = rowsStart + Self.length([large])
        let lines = try Self.offsetLines(segments)
        #expect(lines.contains("gap backend 8192 at \(gapStart)"), "\(lines)")
        #expect(
            lines.contains("resumed backend at \(afterLarge) skipping \(afterLarge - gapStart - 8192)"), "\(lines)")
        #expect(lines.contains("B DataRow at \(afterLarge)"), "\(lines)")
        // The rows after the gap come before the client's next query, which acknowledged them.
        let nextQuery = "F Query at \(Self.length(Scenario.startup + Scenario.query("select big")))"
        #expect(lines.firstIndex(of: "B DataRow at \(afterLarge)")! < lines.firstIndex(of: nextQuery)!, "\(lines)")
    }

    @Test("a message longer than the limit: skipped from its start, to the next message, and counted whole")
    func tooLongMessageSkipCount() throws {
        let (segments, large) = Self.largeRowSession(
            rowLength: 5000, after: Scenario.result("SELECT 1"), segmentSize: 1000)
        let largeStart = Self.length(Scenario.ready)
        let next = largeStart + Self.length([large])
        let lines = try Self.offsetLines(segments, maximumMessageLength: 1000)
        #expect(lines.contains("failure backend at \(largeStart)"), "\(lines)")
        #expect(lines.contains("resumed backend at \(next) skipping \(next - largeStart)"), "\(lines)")
        #expect(lines.contains("B CommandComplete at \(next)"), "\(lines)")
    }

    /// `pgw decode --max-message-length 1000` of a capture started mid-connection whose first backend message, a
    /// RowDescription, is longer: it is reported as over the limit (a failure, exit 1), as in a capture seen from the
    /// start, not skipped unseen while looking for the first message boundary.
    @Test("a message longer than the limit where a capture starts mid-connection is a failure, not skipped")
    func tooLongMessageAtTheResynchronizedStart() throws {
        var connection = SyntheticConnection.ipv4()
        _ = connection.handshake()
        _ = connection.send(Scenario.startup + Scenario.ready + Scenario.query("select wide"))
        let columns = (0..<100).map { RowDescription.Column(name: "column_with_a_long_name_\($0)", dataTypeOID: 25) }
        let wide = WireMessage.backend(.rowDescription(RowDescription(columns: columns)))
        let rest = Scenario.result("SELECT 0")
        let segments = [connection.send([wide]), connection.send(rest), connection.send(Scenario.query("select 1"))]
        let lines = try Self.offsetLines(segments, maximumMessageLength: 1000)
        let next = Self.length([wide])
        #expect(Self.length([wide]) > 1000)
        #expect(lines.contains("failure backend at 0"), "\(lines)")
        #expect(lines.contains("resumed backend at \(next) skipping \(next)"), "\(lines)")
        #expect(lines.contains("B CommandComplete at \(next)"), "\(lines)")
    }

    /// The events of `segments` as ``CaptureScenario/lines(_:)`` with the millisecond of their time (the packets are
    /// one millisecond apart): `5 #1 F Query`.
    static func timedLines(_ segments: [TCPSegment]) throws -> [String] {
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let events = try Scenario.events(path)
        return zip(events, Scenario.lines(events)).map { event, line in "\(event.time.nanoseconds / 1_000_000) \(line)"
        }
    }

    /// The report's lost reply and lost query (`editcap` removing one packet): the messages that waited behind the
    /// missing bytes, delivered when a later packet acknowledged them, have their own packet's time, not that later
    /// packet's; a gap has the time of the packet its missing bytes follow.
    @Test("each message has the time of the packet its first byte came in; a gap, that of the packet before it")
    func messagesHaveTheirOwnPacketsTime() throws {
        // Packets: 5 the first query, 6 the second (its reply lost), 7 the second's result, 8 the third query, 9 its
        // result: the third query acknowledges the second's result, which waited for the missing bytes.
        let lostReply = try Self.timedLines(Scenario.threeQueries(lost: 6))
        #expect(
            Array(lostReply.drop { !$0.hasSuffix("gap backend 20") }.prefix(6)) == [
                "4 #1 gap backend 20", "7 #1 resumed backend 0", "7 #1 B CommandComplete",
                "7 #1 B ReadyForQuery", "8 #1 F Query", "9 #1 B CommandComplete",
            ], "\(lostReply)")
        // Packets: 5 the first query, 6 its result, 7 the second's result (the second query lost), 8 the third query,
        // 9 its result, which acknowledges the third query.
        let lostQuery = try Self.timedLines(Scenario.threeQueries(lost: 7))
        #expect(
            Array(lostQuery.drop { !$0.contains("gap frontend") }.prefix(3)) == [
                "5 #1 gap frontend 21", "8 #1 resumed frontend 0", "8 #1 F Query",
            ], "\(lostQuery)")
        // The first result cut to 5 bytes (a snapshot length) in packet 6: its missing end follows that packet.
        let truncated = try Self.timedLines(Scenario.threeQueries(truncatedTo: 5))
        #expect(truncated.contains("6 #1 gap backend 15"), "\(truncated)")
        #expect(truncated.contains("8 #1 B ReadyForQuery"), "\(truncated)")
    }
}
