import Foundation

/// Buffered lines on standard output whose write errors are reported instead of lost, as `print` loses them:
/// a closed pipe (EPIPE, with SIGPIPE ignored), a full disk, `/dev/full`.
final class StandardOutputWriter {
    private static let flushThreshold = 64 * 1024
    private var pending: [UInt8] = []

    /// A writer; SIGPIPE is ignored from now on, so that a closed pipe is an EPIPE error to report.
    init() {
        signal(SIGPIPE, SIG_IGN)
        pending.reserveCapacity(Self.flushThreshold * 2)
    }

    /// Queues `line` and a newline, writing when enough has gathered.
    func writeLine(_ line: String) throws(StandardOutputError) {
        pending.append(contentsOf: line.utf8)
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// Queues the line that `write` appends to the buffer it is given, and a newline, writing when enough has
    /// gathered: lines rendered in place, without a `String` each.
    func writeLine(_ write: (inout [UInt8]) -> Void) throws(StandardOutputError) {
        appendLine(write)
        try flushIfFull()
    }

    /// Queues the line that `write` appends, and a newline, without writing: for lines rendered where an error
    /// cannot be thrown; ``flushIfFull()`` writes them.
    func appendLine(_ write: (inout [UInt8]) -> Void) {
        write(&pending)
        pending.append(UInt8(ascii: "\n"))
    }

    /// Writes what is queued when enough has gathered.
    func flushIfFull() throws(StandardOutputError) {
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// Writes everything queued.
    func flush() throws(StandardOutputError) {
        var written = 0
        while written < pending.count {
            let count = pending[written...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                // Standard output left non-blocking by whoever opened it: wait until it takes more.
                var waiting = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, -1)
                continue
            }
            guard count > 0 else {
                pending.removeAll(keepingCapacity: true)
                throw StandardOutputError(errorNumber: count < 0 ? errno : EIO)
            }
            written += count
        }
        pending.removeAll(keepingCapacity: true)
    }
}
