import Atomics
import Foundation
import NIOCore
import PostgresTLS

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The traffic log's (or the packet capture's) destination: lines or bytes go into a bounded buffer that a dedicated writer thread drains into a file
/// descriptor, so the event loops never wait for the disk.
///
/// ``write(_:)`` never blocks and never drops a line. Instead the relay asks ``isBehind`` before it reads more from
/// a socket and, while the buffer holds more than `capacity` bytes, waits with ``whenCaughtUp(on:_:)``: a slow log
/// slows the traffic down rather than growing memory. Buffered bytes stay below `capacity` plus what one read of
/// every connection produces.
///
/// The writer wakes for a batch, not for every line: once bytes arrive it lets more gather for up to 5 ms (or until
/// 64 KiB are there, a reader waits in ``whenCaughtUp(on:_:)`` or the sink closes), then writes them with one
/// `write(2)`. Under load that is a few hundred wake-ups a second instead of one per relayed read, each of which
/// costs the event loops a futex call and the machine two context switches.
public final class TrafficLogSink: @unchecked Sendable {
    /// The most the writer lets gather before it writes (64 KiB, or half the capacity if that is less).
    private let batchBytes: Int
    /// The longest a line waits in the buffer before the writer takes it (5 ms).
    private static let batchDelay: TimeInterval = 0.005
    private let condition = NSCondition()
    private let fileDescriptor: Int32
    private let closesDescriptor: Bool
    private let capacity: Int
    // Guarded by `condition`.
    private var buffered: [UInt8] = []
    private var bufferedBytes = 0
    private var isClosing = false
    private var hasFinished = false
    private var waiters: [(any EventLoop, @Sendable () -> Void)] = []
    private var writeError: Int32?
    /// Whether `bufferedBytes` is over `capacity`: set under `condition` whenever it changes, read without it by
    /// ``isBehind``, which the relay asks before every read of every connection.
    private let isOverCapacity = ManagedAtomic(false)

    /// A sink writing to `fileDescriptor` (closed by ``close()`` when `closesDescriptor`), buffering up to `capacity`
    /// bytes before the relay pauses.
    public init(fileDescriptor: Int32, closesDescriptor: Bool, capacity: Int = 1 << 20) {
        self.fileDescriptor = fileDescriptor
        self.closesDescriptor = closesDescriptor
        self.capacity = capacity
        batchBytes = min(1 << 16, capacity / 2)
        let thread = Thread { [self] in runWriter() }
        thread.name = "pgw-proxy-log"
        thread.start()
    }

    /// A sink appending to the file at `path`, opened as ``PrivateAppendFile`` opens it (created with mode 0600,
    /// an existing file made private, never through a symbolic link), as the log holds statements and data.
    public static func file(atPath path: String, capacity: Int = 1 << 20) throws(OutputFileError) -> TrafficLogSink {
        TrafficLogSink(fileDescriptor: try PrivateAppendFile.open(path), closesDescriptor: true, capacity: capacity)
    }

    /// Queues `line` (a newline is added). Never blocks.
    public func write(_ line: String) {
        write(bytes: line.utf8, addingNewline: true)
    }

    /// Queues `bytes` as they are. Never blocks.
    public func write<Bytes: Collection<UInt8>>(bytes: Bytes, addingNewline: Bool = false) {
        condition.lock()
        if !isClosing {
            // The writer sleeps on an empty buffer, then gathers a batch: wake it for the first bytes and for a
            // full batch, not for every line (a signal without a waiter costs no system call).
            let before = buffered.count
            if bytes.withContiguousStorageIfAvailable({ buffered.append(contentsOf: $0) }) == nil {
                buffered.append(contentsOf: bytes)
            }
            if addingNewline { buffered.append(UInt8(ascii: "\n")) }
            bufferedBytes += buffered.count - before
            isOverCapacity.store(bufferedBytes > capacity, ordering: .releasing)
            if before == 0 || (before < batchBytes && buffered.count >= batchBytes) { condition.signal() }
        }
        condition.unlock()
    }

    /// Whether the buffer is over capacity: readers should pause until ``whenCaughtUp(on:_:)`` calls back.
    public var isBehind: Bool {
        isOverCapacity.load(ordering: .acquiring)
    }

    /// Calls `callback` on `eventLoop` once the buffer is at most half full (at once if it is already).
    public func whenCaughtUp(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        condition.lock()
        if bufferedBytes <= capacity / 2 || hasFinished {
            condition.unlock()
            eventLoop.execute(callback)
            return
        }
        waiters.append((eventLoop, callback))
        condition.signal()  // a gathering writer writes at once for a waiting reader
        condition.unlock()
    }

    /// Writes out every queued line, stops the writer thread and closes the descriptor if the sink owns it.
    /// Returns the first write error's text, if writing failed.
    @discardableResult
    public func close() async -> String? {
        await close(waitingAtMost: nil)
    }

    /// ``close()``, waiting at most `limit` (when given) for the writer: a reader that takes nothing (a stalled
    /// pipe) cannot hold the caller. Returns the first write error's text, or, when the time is up first, why the
    /// rest is unwritten (the writer thread stays blocked in its write until the process ends).
    @discardableResult
    public func close(waitingAtMost limit: Duration?) async -> String? {
        requestClose()
        let deadline = limit.map { ContinuousClock.now + $0 }
        while true {
            if let outcome = finishedOutcome() { return outcome.map { String(cString: strerror($0)) } }
            if let deadline, ContinuousClock.now >= deadline {
                let milliseconds =
                    limit!.components.seconds * 1000 + limit!.components.attoseconds / 1_000_000_000_000_000
                return "\(unwrittenBytes) bytes not written: the reader took no more within \(milliseconds) ms"
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The bytes queued or being written.
    private var unwrittenBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return bufferedBytes
    }

    private func requestClose() {
        condition.lock()
        isClosing = true
        condition.broadcast()
        condition.unlock()
    }

    /// `nil` while the writer runs; then the write error, if any.
    private func finishedOutcome() -> Int32?? {
        condition.lock()
        defer { condition.unlock() }
        return hasFinished ? .some(writeError) : .none
    }

    private func runWriter() {
        // The batch being written; it keeps its storage between batches (up to a few batches' worth) and trades
        // it with `buffered`, so neither grows from nothing each time.
        var batch: [UInt8] = []
        while true {
            condition.lock()
            while buffered.isEmpty && !isClosing { condition.wait() }
            let deadline = Date(timeIntervalSinceNow: Self.batchDelay)
            while buffered.count < batchBytes && waiters.isEmpty && !isClosing && condition.wait(until: deadline) {}
            swap(&batch, &buffered)
            let done = isClosing && batch.isEmpty
            condition.unlock()
            if done { break }
            let error = writeAll(batch)
            condition.lock()
            if writeError == nil { writeError = error }
            bufferedBytes -= batch.count
            isOverCapacity.store(bufferedBytes > capacity, ordering: .releasing)
            var ready: [(any EventLoop, @Sendable () -> Void)] = []
            if bufferedBytes <= capacity / 2 { swap(&ready, &waiters) }
            condition.unlock()
            batch.removeAll(keepingCapacity: batch.capacity <= 4 * batchBytes)
            for (eventLoop, callback) in ready { eventLoop.execute(callback) }
        }
        if closesDescriptor { closeDescriptor(fileDescriptor) }
        condition.lock()
        hasFinished = true
        let remaining = waiters
        waiters = []
        condition.unlock()
        for (eventLoop, callback) in remaining { eventLoop.execute(callback) }
    }

    /// Writes `text` fully; returns the errno of a failure. After a failure the log is discarded, not retried, so
    /// the relay goes on.
    private func writeAll(_ batch: [UInt8]) -> Int32? {
        batch.withUnsafeBufferPointer { bytes -> Int32? in
            var offset = 0
            while offset < bytes.count {
                let written = writeDescriptor(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }
}

/// `close(2)`, named apart from ``TrafficLogSink/close()``.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// `write(2)`, named apart from ``TrafficLogSink/write(_:)``.
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
