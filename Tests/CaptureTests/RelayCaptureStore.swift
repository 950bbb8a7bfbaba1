import Foundation
import NIOCore
import PostgresWire

/// Thread-safe storage for what a ``RecordingRelay`` records, shared with its event-loop handlers.
final class RelayCaptureStore: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [ConnectionCapture] = []
    private var openConnections: Set<Int> = []

    /// Registers a newly accepted connection and returns its index.
    func openConnection() -> Int {
        lock.withLock {
            let index = connections.count
            connections.append(ConnectionCapture(index: index))
            openConnections.insert(index)
            return index
        }
    }

    /// Appends bytes read from one side of connection `index`.
    func record(_ bytes: ByteBuffer, from direction: MessageDirection, connection index: Int) {
        lock.withLock {
            connections[index].append(bytes, from: direction)
        }
    }

    /// Marks connection `index` as fully closed on both sides.
    func closeConnection(_ index: Int) {
        lock.withLock {
            _ = openConnections.remove(index)
        }
    }

    /// How many accepted connections are still open on either side.
    var openConnectionCount: Int {
        lock.withLock { openConnections.count }
    }

    /// Everything recorded so far, in the order the connections were accepted.
    var captures: [ConnectionCapture] {
        lock.withLock { connections }
    }
}
