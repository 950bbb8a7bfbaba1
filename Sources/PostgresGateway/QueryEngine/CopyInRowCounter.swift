import NIOCore

/// Counts the rows of `COPY … FROM STDIN` data as it arrives in CopyData messages of any size, as PostgreSQL counts
/// them for the `COPY n` tag: in text, one row per line (a backslash escapes the next byte, a line feed too); in
/// CSV, one per line ending outside quotes; both up to the end-of-data line `\.` (after which PostgreSQL ignores
/// the rest), a header line not counted; in binary, one per tuple (``BinaryCopyTupleCounter``). Keeps a few bytes
/// of state, whatever the amount of data.
struct CopyInRowCounter: Sendable, Hashable {
    /// The format of the data.
    let format: CopyFormat
    /// The complete rows so far (text and CSV).
    private var rows = 0
    /// The first bytes of the current line (at most three, enough to recognise `\.` and `\.\r`).
    private var lineStart: [UInt8] = []
    /// The length of the current line.
    private var lineLength = 0
    /// Whether the `\.` line was seen.
    private var hasEnded = false
    /// Whether the header line is still to be skipped.
    private var isInHeader: Bool
    /// Text: the previous byte was a backslash. CSV: an escape byte inside quotes came before.
    private var isEscaping = false
    /// CSV: inside a quoted value.
    private var isQuoted = false
    /// The tuples of binary data.
    private var binary = BinaryCopyTupleCounter()

    /// A counter for data in `format`.
    init(format: CopyFormat) {
        self.format = format
        switch format {
        case .text(let header), .csv(let header, _, _): isInHeader = header
        case .binary: isInHeader = false
        }
    }

    /// Counts the rows in one CopyData message; malformed binary data fails as in PostgreSQL (22P04).
    mutating func consume(_ data: ByteBuffer) throws(QuerySessionError) {
        switch format {
        case .binary:
            try binary.consume(data)
        case .text:
            guard !hasEnded else { return }
            for byte in data.readableBytesView {
                if isEscaping {
                    isEscaping = false
                } else if byte == UInt8(ascii: "\\") {
                    isEscaping = true
                } else if byte == UInt8(ascii: "\n") {
                    endLine()
                    if hasEnded { return }
                    continue
                }
                record(byte)
            }
        case .csv(_, let quote, let escape):
            guard !hasEnded else { return }
            for byte in data.readableBytesView {
                if isEscaping {
                    // Only a quote or the escape itself is escaped; another byte counts as it is.
                    isEscaping = false
                    if byte == quote || byte == escape {
                        record(byte)
                        continue
                    }
                }
                if isQuoted && byte == escape && escape != quote {
                    isEscaping = true
                } else if byte == quote {
                    isQuoted.toggle()
                } else if byte == UInt8(ascii: "\n") && !isQuoted {
                    endLine()
                    if hasEnded { return }
                    continue
                }
                record(byte)
            }
        }
    }

    /// The rows at CopyDone: a last line without a line feed counts too; binary data must not end inside a tuple.
    mutating func finish() throws(QuerySessionError) -> Int {
        if case .binary = format { return try binary.finish() }
        if !hasEnded && lineLength > 0 { endLine() }
        return rows
    }

    /// Notes one byte of the current line.
    private mutating func record(_ byte: UInt8) {
        if lineStart.count < 3 { lineStart.append(byte) }
        lineLength += 1
    }

    private mutating func endLine() {
        if (lineLength == 2 || lineLength == 3) && lineStart == Array("\\.\r".utf8.prefix(lineLength)) {
            hasEnded = true
        } else if isInHeader {
            isInHeader = false
        } else {
            rows += 1
        }
        lineStart.removeAll(keepingCapacity: true)
        lineLength = 0
    }
}
