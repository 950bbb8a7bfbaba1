import NIOConcurrencyHelpers
import NIOCore

/// Counts a server's sessions (connections whose StartupMessage was accepted) against its limit, PostgreSQL's
/// `max_connections`. A session is counted from its admission until its channel closes.
final class ConnectionAdmission: Sendable {
    /// The most sessions at once.
    let maximumSessions: Int
    private let sessions = NIOLockedValueBox(0)

    /// Admission for at most `maximumSessions` sessions.
    init(maximumSessions: Int) {
        self.maximumSessions = maximumSessions
    }

    /// The number of admitted sessions still open.
    var sessionCount: Int { sessions.withLockedValue { $0 } }

    /// Admits the session on `channel` if there is room, counting it until the channel closes.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = sessions.withLockedValue { count in
            guard count < maximumSessions else { return false }
            count += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.sessions.withLockedValue { $0 -= 1 } }
        }
        return admitted
    }
}
