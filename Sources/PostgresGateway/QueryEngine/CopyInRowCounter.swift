import NIOCore

/// Counts the rows of `COPY … FROM STDIN` data in text or CSV format as it arrives in CopyData messages of any
/// size: one row per line, up to the end-of-data line `\.` (after which PostgreSQL ignores the rest). Keeps three
/// bytes of state, whatever the amount of data.
struct CopyInRowCounter: Sendable, Hashable {
    /// The complete rows so far.
    private(set) var rows = 0
    /// The first bytes of the current line (at most three, enough to recognise `\.` and `\.\r`).
    private var lineStart: [UInt8] = []
    /// The length of the current line.
    private var lineLength = 0
    /// Whether the `\.` line was seen.
    private var hasEnded = false

    /// Counts the lines in one CopyData message.
    mutating func consume(_ data: ByteBuffer) {
        guard !hasEnded else { return }
        for byte in data.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                endLine()
                if hasEnded { return }
                continue
            }
            if lineStart.count < 3 { lineStart.append(byte) }
            lineLength += 1
        }
    }

    /// The rows at CopyDone: a last line without a line feed counts too.
    mutating func finish() -> Int {
        if !hasEnded && lineLength > 0 { endLine() }
        return rows
    }

    private mutating func endLine() {
        if (lineLength == 2 || lineLength == 3) && lineStart == Array("\\.\r".utf8.prefix(lineLength)) {
            hasEnded = true
        } else {
            rows += 1
        }
        lineStart.removeAll(keepingCapacity: true)
        lineLength = 0
    }
}
