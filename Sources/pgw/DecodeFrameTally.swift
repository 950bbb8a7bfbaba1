import PostgresCapture
import PostgresWire

/// Counts runs of framed DataRow and CopyData messages for `--summary`: a run of one connection, direction and type
/// is added to the printer's totals at once, not message by message.
struct DecodeFrameTally {
    /// The connection whose frames are counted (`--connection`); all when `nil`.
    let selected: Int?
    /// The run being counted: its connection, direction and type byte, its messages and their bytes.
    private var run: (connection: CaptureConnectionInfo, direction: MessageDirection, typeByte: UInt8)?
    private var count = 0
    private var bytes = 0

    /// A tally of the frames of connection number `selected`, or of all when `nil`.
    init(selected: Int?) {
        self.selected = selected
    }

    /// Counts `frame` (when of the selected connection), first handing `printer` the run it does not continue.
    mutating func add(_ frame: CaptureFrame, flushingTo printer: DecodePrinter) {
        if let selected, frame.connection.id != selected { return }
        if let run, run.connection.id == frame.connection.id, run.direction == frame.direction,
            run.typeByte == frame.frame.typeByte
        {
            count += 1
            bytes += frame.frame.wireLength
            return
        }
        flush(to: printer)
        run = (frame.connection, frame.direction, frame.frame.typeByte)
        (count, bytes) = (1, frame.frame.wireLength)
    }

    /// Hands `printer` the run counted so far.
    mutating func flush(to printer: DecodePrinter) {
        guard let run else { return }
        let type = run.typeByte == UInt8(ascii: "D") ? "DataRow" : "CopyData"
        printer.count(type, from: run.direction, of: run.connection, messages: count, bytes: bytes)
        self.run = nil
    }
}
