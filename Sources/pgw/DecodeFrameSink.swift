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
    /// The run being counted: its connection's number, direction and type byte, and its tally's index in its
    /// connection's tallies; its messages and their bytes.
    private var run: (id: Int, direction: MessageDirection, typeByte: UInt8, tally: Int)?
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
        let (id, direction, typeByte) = (frame.connection.id, frame.direction, frame.frame.typeByte)
        if let run, run.id == id, run.direction == direction, run.typeByte == typeByte {
            count += 1
            bytes += frame.frame.wireLength
            return
        }
        endRun()
        run = (id, direction, typeByte, tally(for: frame))
        (count, bytes) = (1, frame.frame.wireLength)
    }

    /// The index of the tally of `frame`'s connection, direction and type in its connection's tallies, added if new.
    private mutating func tally(for frame: CaptureFrame) -> Int {
        let (id, direction, typeByte) = (frame.connection.id, frame.direction, frame.frame.typeByte)
        if id >= tallies.count { tallies += repeatElement([], count: id + 1 - tallies.count) }
        for index in tallies[id].indices
        where tallies[id][index].direction == direction && tallies[id][index].typeByte == typeByte {
            return index
        }
        tallies[id].append((frame.connection, direction, typeByte, frame.frame.typeName(from: direction), 0, 0))
        return tallies[id].count - 1
    }

    /// Adds the run counted so far to its tally.
    private mutating func endRun() {
        guard let run else { return }
        self.run = nil
        tallies[run.id][run.tally].count += count
        tallies[run.id][run.tally].bytes += bytes
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
