import Foundation
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `pgw repl` script's lines as they arrive, as psql runs each line of a pipe when it comes: a dedicated thread
/// reads the file descriptor (a blocking `read(2)` never holds an event loop or the cooperative pool) and hands on
/// every complete line, without its line feed or a carriage return before it; a last line without a line feed
/// comes at the end.
enum REPLScriptLines {
    /// The lines of `descriptor` (closed at the end of the file), read from now on; a read error ends the stream
    /// with a ``CommandFailure`` naming `name` (the file's name in quotes, or "standard input").
    static func reading(_ descriptor: Int32, name: String) -> AsyncThrowingStream<String, any Error> {
        let (lines, continuation) = AsyncThrowingStream.makeStream(of: String.self)
        let thread = Thread {
            defer { close(descriptor) }
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else {
                    let reason = String(cString: strerror(errno))
                    continuation.finish(throwing: CommandFailure("cannot read \(name): \(reason)"))
                    return
                }
                guard count > 0 else { break }
                // Only the new bytes are searched for line feeds: a long line arriving in many chunks is scanned
                // once, not again with every chunk.
                var searchFrom = pending.count
                pending.append(contentsOf: chunk[..<count])
                var start = pending.startIndex
                while let newline = pending[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(line(pending[start..<newline]))
                    start = newline + 1
                    searchFrom = start
                }
                pending.removeSubrange(..<start)
            }
            if !pending.isEmpty { continuation.yield(line(pending[...])) }
            continuation.finish()
        }
        thread.name = "pgw-repl-script"
        thread.start()
        return lines
    }

    /// A line's bytes as text, without a carriage return at its end; a byte that is not UTF-8 stays that byte
    /// (``WireText``, as `\xNN` in a quoted string), never a replacement character.
    private static func line(_ bytes: ArraySlice<UInt8>) -> String {
        let line = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes
        return String(validating: line, as: UTF8.self) ?? WireText.decode(line)
    }
}
