import Foundation
import PostgresCapture
import PostgresWire

/// Prints what `pgw decode` found, for raw streams and captures alike: each message (with its connection, time
/// and statement latency in a capture) through the `--only`/`--skip`/`--grep` filter, notes about connections,
/// or, with `--summary`, the totals per connection and overall at the end.
final class DecodePrinter {
    private let output: StandardOutputWriter
    private let format: RenderFormat
    private let options: RenderOptions
    private let summarizes: Bool
    private let filter: DecodeMessageFilter
    // Per connection, indexed by its number (0 for raw streams; a capture's are 1, 2, …): read for every message,
    // so an array index, not a dictionary's hash.
    private var states: [DecodeConnectionState] = []
    /// The statements of all connections (their messages are counted per connection, and added up at the end).
    private var total = DecodeConnectionSummary()
    /// The line prefix and JSON members of the last connection and time printed: many messages share a packet.
    private var context: (id: Int, time: CaptureTimestamp, prefix: String, members: JSONLineMembers)?
    /// How finely the capture records times, which lines show with as many digits: set once the capture is open.
    var timestampResolution = CaptureTimestampResolution.microseconds

    /// Creates a printer writing to `output`.
    init(
        output: StandardOutputWriter, format: RenderFormat, options: RenderOptions, summarizes: Bool,
        filter: DecodeMessageFilter
    ) {
        self.output = output
        self.format = format
        self.options = options
        self.summarizes = summarizes
        self.filter = filter
    }

    /// Takes the next message of a connection (`nil` for raw streams) seen at `time` (`nil` without timestamps).
    func print(_ message: DecodedMessage, connection: CaptureConnectionInfo?, time: CaptureTimestamp?) throws {
        if summarizes {
            if let roundTrip = Self.summarize(message, of: connection, at: time, in: &states) { total.add(roundTrip) }
            return
        }
        let id = slot(for: connection)
        // The text of the statement a Bind or Execute uses is known before the tracker takes the message.
        var statementText: String?
        if filter.pattern != nil, case .frontend(let frontend) = message.message {
            statementText = states[id].tracker.statementText(of: frontend)
        }
        let roundTrip = states[id].tracker.observe(message.message, at: time)
        guard filter.admits(message, statementText: statementText, completing: roundTrip) else { return }
        var (prefix, members) = lineContext(connection, id: id, time: time)
        var suffix = ""
        if let latency = roundTrip?.latency {
            suffix = latency.textSuffix
            members = members.appending([latency.jsonMember])
        }
        try output.writeLine { line in
            message.write(
                as: format, options: options, linePrefix: prefix, jsonMembers: members, textSuffix: suffix, to: &line)
        }
    }

    /// Takes a capture's DataRow or CopyData message framed in place, as ``print(_:connection:time:)`` takes it
    /// decoded (in text or JSON, not hex); the line is queued, and written by the next message or ``flushIfFull()``.
    func print(_ frame: CaptureFrame) {
        let id = slot(for: frame.connection)
        guard filter.admits(bulkMessageOfType: frame.frame.typeName(from: frame.direction)) else { return }
        let (prefix, members) = lineContext(frame.connection, id: id, time: frame.time)
        output.appendLine { line in
            frame.frame.write(
                as: format, from: frame.direction, valueTypes: frame.valueTypes, options: options, linePrefix: prefix,
                jsonMembers: members, to: &line)
        }
    }

    /// Writes what is queued when enough has gathered (called per packet when printing messages; with `--summary`
    /// nothing is queued before the end, and the command does not call it).
    func flushIfFull() throws {
        try output.flushIfFull()
    }

    /// The text line prefix and the JSON members of a line of `connection` (number `id`) at `time`: none for raw
    /// streams.
    private func lineContext(
        _ connection: CaptureConnectionInfo?, id: Int, time: CaptureTimestamp?
    ) -> (prefix: String, members: JSONLineMembers) {
        var prefix = ""
        var members = JSONLineMembers.none
        if let connection, let time {
            if let context, context.id == connection.id, context.time == time {
                (prefix, members) = (context.prefix, context.members)
            } else {
                if format != .json {
                    prefix = "\(time.timeOfDay(timestampResolution)) #\(connection.id) "
                } else {
                    // The endpoints do not change: rendered once per connection, not per packet.
                    let endpoints =
                        states[id].endpointMembers
                        ?? JSONLineMembers([
                            ("client", .string(connection.client.description)),
                            ("server", .string(connection.server.description)),
                        ])
                    states[id].endpointMembers = endpoints
                    members = JSONLineMembers([
                        ("connection", .integer(Int64(connection.id))),
                        ("time", .string(time.rfc3339(timestampResolution))),
                    ]).appending(endpoints)
                }
                context = (connection.id, time, prefix, members)
            }
        }
        return (prefix, members)
    }

    /// With `--summary`, counts `messages` messages of `type` sent in `direction` on `connection`, `bytes` in all
    /// (a run of DataRow or CopyData messages framed in place).
    func count(
        _ type: String, from direction: MessageDirection, of connection: CaptureConnectionInfo, messages: Int,
        bytes: Int
    ) {
        guard summarizes else { return }
        let id = slot(for: connection)
        states[id].startSummary(of: connection)
        states[id].summary!.statistics.add(direction, type: type, count: messages, bytes: bytes)
    }

    /// The index of `connection`'s state (0 for raw streams), made ready for its first message.
    private func slot(for connection: CaptureConnectionInfo?) -> Int {
        Self.slot(for: connection, in: &states)
    }

    /// The index of `connection`'s state in `states` (0 for raw streams), made ready for its first message.
    private static func slot(for connection: CaptureConnectionInfo?, in states: inout [DecodeConnectionState]) -> Int {
        let id = connection?.id ?? 0
        if id >= states.count { states += repeatElement(DecodeConnectionState(), count: id + 1 - states.count) }
        return id
    }

    /// With `--summary`, follows and counts `message` in its connection's state in `states`, with one access to the
    /// printer's table (each is checked at run time); returns the round trip it completed, if any.
    private static func summarize(
        _ message: DecodedMessage, of connection: CaptureConnectionInfo?, at time: CaptureTimestamp?,
        in states: inout [DecodeConnectionState]
    ) -> DecodeRoundTrip? {
        let id = slot(for: connection, in: &states)
        return states[id].summarize(message, of: connection, at: time)
    }

    /// A note about `connection` at `time`: a line among the messages in text and hex output, on standard error
    /// with JSON output (whose lines are messages only); nothing with `--summary`.
    func note(_ text: String, connection: CaptureConnectionInfo, time: CaptureTimestamp) throws {
        guard !summarizes else { return }
        if format == .json {
            try output.flush()
            FileHandle.standardError.write(Data("pgw: #\(connection.id) \(text)\n".utf8))
        } else {
            try output.writeLine("\(time.timeOfDay(timestampResolution)) #\(connection.id) -- \(text)")
        }
    }

    /// Takes bytes of `connection`'s `direction` that are lost: `byteCount` missing from the capture (a gap, which
    /// `--summary` counts), or skipped after a malformed message (`nil`). Its round trips are not timed until its
    /// decoding is in step again (``DecodeStatementTracker/lostBytes(of:)``).
    func lostBytes(of direction: MessageDirection, byteCount: Int?, connection: CaptureConnectionInfo) {
        let id = slot(for: connection)
        states[id].tracker.lostBytes(of: direction)
        guard summarizes, let byteCount else { return }
        states[id].startSummary(of: connection)
        states[id].summary!.addGap(of: byteCount)
    }

    /// Takes the decoding of `connection`'s `direction` resuming at a message boundary.
    func resumed(_ direction: MessageDirection, connection: CaptureConnectionInfo) {
        states[slot(for: connection)].tracker.resumed(direction)
    }

    /// Writes out what is buffered.
    func flush() throws {
        try output.flush()
    }

    /// With `--summary`, prints the totals: one table for raw streams; per connection and overall for a capture.
    func finish() throws {
        guard summarizes else { return }
        let summaries = states.map(\.summary)
        for case let summary? in summaries { total.addCounts(of: summary) }
        guard states.contains(where: { $0.connection != nil }) else {
            // Raw streams: one session, the same lines as a capture's connection has (no times: no slowest).
            let session = summaries.compactMap { $0 }.first ?? DecodeConnectionSummary()
            if format == .json {
                try output.writeLine(total.statistics.formatted(as: .json))
                for line in session.statementJSONLines(jsonMembers: []) { try output.writeLine(line) }
            } else {
                try output.writeLine(
                    ([total.statistics.formatted(as: format)] + session.statementLines).joined(separator: "\n"))
            }
            return
        }
        for case (let id, let summary?) in summaries.enumerated() {
            if format == .json {
                let members: [(String, RenderedValue)] = [("connection", .integer(Int64(id)))]
                try output.writeLine(summary.statistics.formatted(as: .json, jsonMembers: members))
                for line in summary.statementJSONLines(jsonMembers: members) { try output.writeLine(line) }
            } else {
                let title = states[id].connection?.description ?? "#\(id)"
                try output.writeLine(
                    ([title, summary.statistics.formatted(as: format)] + summary.statementLines + [""]).joined(
                        separator: "\n"))
            }
        }
        if format == .json {
            try output.writeLine(total.statistics.formatted(as: .json))
            for line in total.statementJSONLines(jsonMembers: []) { try output.writeLine(line) }
        } else {
            let title = "all \(summaries.count { $0 != nil }) connections"
            try output.writeLine(
                ([title, total.statistics.formatted(as: format)] + total.statementLines).joined(separator: "\n"))
        }
    }
}
