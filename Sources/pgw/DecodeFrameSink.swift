import PostgresCapture
import PostgresWire

/// Takes a capture's DataRow and CopyData messages framed in place (the bulk of most captures) for a printer: with
/// `--summary`, counts them by runs (a run of one connection, direction and type is added to the printer's totals at
/// once, not message by message); otherwise has the printer print each.
struct DecodeFrameSink {
    /// The connection whose frames are taken (`--connection`); all when `nil`.
    let selected: Int?
    /// Whether frames are counted (`--summary`) rather than printed.
    let summarizes: Bool
    /// The run being counted (its connection, direction, type byte and type name), its messages and their bytes.
    private var run:
        (connection: CaptureConnectionInfo, direction: MessageDirection, typeByte: UInt8, typeName: String)?
    private var count = 0
    private var bytes = 0

    /// A sink for the frames of connection number `selected` (all when `nil`), counting them when `summarizes`.
    init(selected: Int?, summarizes: Bool) {
        self.selected = selected
        self.summarizes = summarizes
    }

    /// Takes `frame` (when of the selected connection): prints it, or counts it, first handing `printer` the run it
    /// does not continue.
    mutating func add(_ frame: CaptureFrame, flushingTo printer: DecodePrinter) {
        if let selected, frame.connection.id != selected { return }
        guard summarizes else { return printer.print(frame) }
        if let run, run.connection.id == frame.connection.id, run.direction == frame.direction,
            run.typeByte == frame.frame.typeByte
        {
            count += 1
            bytes += frame.frame.wireLength
            return
        }
        flush(to: printer)
        run = (frame.connection, frame.direction, frame.frame.typeByte, frame.frame.typeName(from: frame.direction))
        (count, bytes) = (1, frame.frame.wireLength)
    }

    /// Hands `printer` the run counted so far.
    mutating func flush(to printer: DecodePrinter) {
        guard let run else { return }
        printer.count(run.typeName, from: run.direction, of: run.connection, messages: count, bytes: bytes)
        self.run = nil
    }
}
