import PostgresCapture
import PostgresWire

/// Takes what a ``CaptureDecoder`` hands out for a ``DecodePrinter``: events (printed, and counted when they open a
/// connection, with failures kept for standard error), DataRow and CopyData messages framed in place (printed), and,
/// with `--summary`, runs of them counted in place (added up per connection, direction and type, and handed to the
/// printer at the end).
struct DecodeCaptureSink {
    /// The connection whose events are taken (`--connection`); all when `nil`.
    let selected: Int?
    /// The printer.
    let printer: DecodePrinter
    /// The number of connections opened.
    private(set) var connectionCount = 0
    /// The lines for standard error: malformed messages (and whatever else the caller adds, in order).
    var failures: [String] = []
    /// The runs counted, added up by connection (indexed by its number), direction and type: the printer's totals do
    /// not depend on the order they are counted in, so they are handed over at the end.
    private var tallies:
        [[(
            connection: CaptureConnectionInfo, direction: MessageDirection, typeByte: UInt8, typeName: String,
            count: Int, bytes: Int
        )]] = []
    /// The connection number, direction and type byte of the tally last added to, and its index in its connection's
    /// tallies: a connection's runs mostly follow each other.
    private var lastTally: (id: Int, direction: MessageDirection, typeByte: UInt8, index: Int)?

    /// A sink printing to `printer` what concerns connection number `selected` (all when `nil`).
    init(selected: Int?, printer: DecodePrinter) {
        self.selected = selected
        self.printer = printer
    }

    /// Prints `frame` (when of the selected connection).
    func print(_ frame: CaptureFrame) {
        if let selected, frame.connection.id != selected { return }
        printer.print(frame)
    }

    /// Counts `run` (when of the selected connection).
    mutating func count(_ run: CaptureMessageRun) {
        let (id, direction, typeByte) = (run.connection.id, run.run.direction, run.run.typeByte)
        if let selected, id != selected { return }
        let index: Int
        if let lastTally, lastTally.id == id, lastTally.direction == direction, lastTally.typeByte == typeByte {
            index = lastTally.index
        } else {
            index = tally(for: run)
            lastTally = (id, direction, typeByte, index)
        }
        tallies[id][index].count += run.run.count
        tallies[id][index].bytes += run.run.byteCount
    }

    /// The index of the tally of `run`'s connection, direction and type in its connection's tallies, added if new.
    private mutating func tally(for run: CaptureMessageRun) -> Int {
        let (id, direction, typeByte) = (run.connection.id, run.run.direction, run.run.typeByte)
        if id >= tallies.count { tallies += repeatElement([], count: id + 1 - tallies.count) }
        for index in tallies[id].indices
        where tallies[id][index].direction == direction && tallies[id][index].typeByte == typeByte {
            return index
        }
        tallies[id].append((run.connection, direction, typeByte, run.run.typeName, 0, 0))
        return tallies[id].count - 1
    }

    /// Hands the printer everything counted so far.
    mutating func flushCounts() {
        for tally in tallies.joined() {
            printer.count(
                tally.typeName, from: tally.direction, of: tally.connection, messages: tally.count, bytes: tally.bytes)
        }
        tallies = []
        lastTally = nil
    }

    /// Prints `event` (when of the selected connection), counting the connections it opens and keeping its failures.
    mutating func show(_ event: consuming CaptureEvent) throws {
        let (info, time) = (event.connection, event.time)
        if let selected, info.id != selected { return }
        // Consumed: the message is handed on, not copied (every buffer and array it holds retained, then released).
        switch (consume event).kind {
        case .message(let message):
            try printer.print(message, connection: info, time: time)
        case .opened(let fromStart):
            connectionCount += 1
            let start = fromStart ? "" : " (the capture starts mid-connection)"
            try printer.note(
                "connection \(info.client) -> \(info.server)\(start)", connection: info, time: time)
        case .failure(let direction, let error):
            failures.append("pgw: #\(info.id) \(direction) stream: \(error)")
            try printer.note("\(direction) stream: \(error)", connection: info, time: time)
        case .gap(let direction, let byteCount, let offset):
            try printer.note(
                "\(byteCount) bytes of the \(direction) stream are missing from the capture (offset \(offset))",
                connection: info, time: time)
        case .resumed(let direction, let offset, let skipped):
            try printer.note(
                "\(direction) decoding resumes at offset \(offset), at a message boundary (\(skipped) bytes skipped)",
                connection: info, time: time)
        case .encrypted:
            try printer.note(
                "encrypted: the rest of the connection is not decoded", connection: info, time: time)
        case .closed(let close):
            let encrypted = close.encryptedBytes > 0 ? ", \(close.encryptedBytes) encrypted bytes not decoded" : ""
            try printer.note("closed (\(close.reason.rawValue))\(encrypted)", connection: info, time: time)
        }
    }
}
