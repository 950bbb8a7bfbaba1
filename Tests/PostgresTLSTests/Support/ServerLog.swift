import Foundation
import PostgresTLS
import PostgresTestSupport

/// What the test server saw on each connection, shared between its event loops and the test.
final class ServerLog: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.

    /// One accepted connection.
    struct Connection: Sendable {
        var handshake: TLSConnectionInfo?
        var errors: [TLSError] = []
        var user: String?
        var loggedIn: Bool?
    }

    private let lock = NSLock()
    private var connections: [Connection] = []

    /// Registers a new connection and returns its index.
    func open() -> Int {
        lock.withLock {
            connections.append(Connection())
            return connections.count - 1
        }
    }

    /// Changes what is known about connection `index`.
    func update(_ index: Int, _ change: (inout Connection) -> Void) {
        lock.withLock { change(&connections[index]) }
    }

    /// Waits (up to ten seconds) until `count` connections have ended their handshake one way or another.
    func settled(count: Int) async throws -> [Connection] {
        for _ in 0..<1000 {
            let snapshot = lock.withLock { connections }
            if snapshot.count >= count, snapshot.allSatisfy({ $0.handshake != nil || !$0.errors.isEmpty }) {
                return snapshot
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError.timedOut("waiting for \(count) connection(s) to the test server")
    }
}
