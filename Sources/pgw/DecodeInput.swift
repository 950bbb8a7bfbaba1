import Foundation
import NIOCore

/// One byte stream `pgw decode` reads: a file, a pipe, a FIFO, `/dev/stdin`, a process substitution
/// (`<(…)`) or, for `-`, standard input. It is read in chunks, as the decoder needs them, so that memory does
/// not grow with the stream; nothing is assumed to be seekable.
final class DecodeInput {
    /// How many bytes one read asks for.
    static let chunkSize = 256 * 1024

    /// The name in messages: the path, or "standard input".
    let name: String
    /// Whether the stream has ended (or reading was given up).
    private(set) var isAtEnd = false
    /// The first byte of the stream, once read.
    private(set) var firstByte: UInt8?
    private var descriptor: Int32

    /// Opens `path` (`-` for standard input); blocks until a FIFO has a writer. Throws a ``DecodeInputError``
    /// naming the path and the system's reason when it cannot be opened or is a directory.
    init(path: String) throws(DecodeInputError) {
        if path == "-" {
            name = "standard input"
            descriptor = STDIN_FILENO
        } else {
            name = "'\(path)'"
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw DecodeInputError(name: name, errorNumber: errno) }
        }
        var status = stat()
        if fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
            close()
            throw DecodeInputError(name: name, errorNumber: EISDIR)
        }
    }

    deinit { close() }

    /// The next bytes, at most ``chunkSize``; an empty buffer, with ``isAtEnd`` set, at the end of the stream.
    func read(allocator: ByteBufferAllocator) throws(DecodeInputError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.chunkSize)
        guard !isAtEnd else { return buffer }
        while true {
            var result = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.chunkSize) { space in
                result = Foundation.read(descriptor, space.baseAddress, space.count)
                return max(result, 0)
            }
            if result > 0 { break }
            if result < 0 && errno == EINTR { continue }
            if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                // A descriptor left non-blocking by whoever opened it (standard input, usually): wait for bytes.
                var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&waiting, 1, -1)
                continue
            }
            let failure = errno
            close()
            guard result == 0 else { throw DecodeInputError(name: name, errorNumber: failure) }
            break
        }
        if firstByte == nil { firstByte = buffer.readableBytesView.first }
        return buffer
    }

    /// Stops reading: the rest of the stream is not needed.
    func close() {
        isAtEnd = true
        guard descriptor >= 0 else { return }
        if descriptor != STDIN_FILENO { Foundation.close(descriptor) }
        descriptor = -1
    }
}
