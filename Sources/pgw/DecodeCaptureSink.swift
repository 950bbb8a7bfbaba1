import PostgresCapture
import PostgresWire

/// Takes what a ``CaptureDecoder`` hands out for a ``DecodePrinter``: events (printed, and counted when they open a
/// connection, with failures kept for standard error), DataRow and CopyData messages framed in place (printed), and,
/// with `--summary`, runs of them counted in place (added to the printer's totals).
struct DecodeCaptureSink {
    /// The connection whose events are taken (`--connection`); all when `nil`.
    let selected: Int?
    /// The printer.
    let printer: DecodePrinter
    /// The number of connections opened (of the selected one, with `--connection`).
    private(set) var connectionCount = 0
    /// The lines for standard error: malformed messages (and whatever else the caller adds, in order).
    var failures: [String] = []

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

    /// Counts `run` (when of the selected connection): a run of one packet's messages at most, not one message.
    func count(_ run: CaptureMessageRun) {
        if let selected, run.connection.id != selected { return }
        printer.count(
            run.run.type, from: run.run.direction, of: run.connection, messages: run.run.count, bytes: run.run.bytes)
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
            printer.lostBytes(of: direction, byteCount: nil, connection: info)
            try printer.note("\(direction) stream: \(error)", connection: info, time: time)
        case .gap(let direction, let byteCount, let offset):
            printer.lostBytes(of: direction, byteCount: byteCount, connection: info)
            try printer.note(
                "\(byteCount) bytes of the \(direction) stream are missing from the capture (offset \(offset))",
                connection: info, time: time)
        case .resumed(let direction, let offset, let skipped):
            printer.resumed(direction, connection: info)
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
