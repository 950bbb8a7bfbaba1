import PostgresCapture
import PostgresWire

/// Takes a capture's DataRow and CopyData messages framed in place (the bulk of most captures) for a printer: with
/// `--summary`, counts them by runs (a run of one connection, direction and type is added up at once, not message by
/// message) and hands the printer each connection's totals at the end; otherwise has the printer print each.
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
    /// The runs counted, added up by connection (indexed by its number), direction and type: the printer's totals do
    /// not depend on the order they are counted in, so they are handed over at the end, not at each run's end (the
    /// runs of connections that take turns are one message long).
    private var tallies:
        [[(
            connection: CaptureConnectionInfo, direction: MessageDirection, typeByte: UInt8, typeName: String,
            count: Int, bytes: Int
        )]] = []

    /// A sink for the frames of connection number `selected` (all when `nil`), counting them when `summarizes`.
    init(selected: Int?, summarizes: Bool) {
        self.selected = selected
        self.summarizes = summarizes
    }

    /// Takes `frame` (when of the selected connection): prints it, or counts it.
    mutating func add(_ frame: CaptureFrame, to printer: DecodePrinter) {
        if let selected, frame.connection.id != selected { return }
        guard summarizes else { return printer.print(frame) }
        if let run, run.connection.id == frame.connection.id, run.direction == frame.direction,
            run.typeByte == frame.frame.typeByte
        {
            count += 1
            bytes += frame.frame.wireLength
            return
        }
        endRun()
        run = (frame.connection, frame.direction, frame.frame.typeByte, frame.frame.typeName(from: frame.direction))
        (count, bytes) = (1, frame.frame.wireLength)
    }

    /// Adds the run counted so far to its connection's tallies.
    private mutating func endRun() {
        guard let run else { return }
        self.run = nil
        let id = run.connection.id
        if id >= tallies.count { tallies += repeatElement([], count: id + 1 - tallies.count) }
        if let index = tallies[id].firstIndex(where: { $0.direction == run.direction && $0.typeByte == run.typeByte }) {
            tallies[id][index].count += count
            tallies[id][index].bytes += bytes
        } else {
            tallies[id].append((run.connection, run.direction, run.typeByte, run.typeName, count, bytes))
        }
    }

    /// Hands `printer` everything counted so far.
    mutating func flush(to printer: DecodePrinter) {
        endRun()
        for tally in tallies.joined() {
            printer.count(
                tally.typeName, from: tally.direction, of: tally.connection, messages: tally.count, bytes: tally.bytes)
        }
        tallies = []
    }
}
