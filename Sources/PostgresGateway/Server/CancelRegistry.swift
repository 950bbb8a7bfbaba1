import NIOConcurrencyHelpers
import PostgresAuthentication
import PostgresWire

/// The sessions that can be cancelled, by the key each was handed in BackendKeyData, as PostgreSQL's postmaster
/// keeps them: a CancelRequest (sent on a new connection) with a session's process ID and secret key cancels the
/// statement that session is running.
///
/// Secret keys are compared in constant time; a request with an unknown process ID or a wrong key is ignored
/// without a trace, as in PostgreSQL, so a client learns nothing from sending one. ``PostgresServer`` keeps one
/// registry for all its connections; pass your own to ``PostgresServerConnection/start(on:configuration:hooks:cancelRegistry:logger:)``
/// when you accept connections yourself, and call ``cancel(_:)`` to cancel a session from your own code.
public final class CancelRegistry: Sendable {
    /// One registered session.
    private struct Entry {
        var registration: Int
        var secretKey: [UInt8]
        var cancel: @Sendable () -> Void
    }

    private struct Sessions {
        /// Entries by process ID (a list: two sessions may draw the same random process ID).
        var byProcessID: [Int32: [Entry]] = [:]
        var nextRegistration = 0
    }

    private let sessions = NIOLockedValueBox(Sessions())

    /// An empty registry.
    public init() {}

    /// Registers a session under `key`; `cancel` runs (on the caller's thread, so hop to your own event loop) for
    /// every CancelRequest that names it. Returns the number to pass to ``unregister(_:processID:)`` when the
    /// session ends.
    public func register(_ key: BackendKeyData, cancel: @escaping @Sendable () -> Void) -> Int {
        sessions.withLockedValue { sessions in
            sessions.nextRegistration += 1
            let entry = Entry(registration: sessions.nextRegistration, secretKey: key.secretKey, cancel: cancel)
            sessions.byProcessID[key.processID, default: []].append(entry)
            return entry.registration
        }
    }

    /// Removes a session registered under `processID` by ``register(_:cancel:)``.
    public func unregister(_ registration: Int, processID: Int32) {
        sessions.withLockedValue { sessions in
            sessions.byProcessID[processID]?.removeAll { $0.registration == registration }
            if sessions.byProcessID[processID]?.isEmpty == true { sessions.byProcessID[processID] = nil }
        }
    }

    /// Cancels the session `request` names, if its key matches one registered; returns whether one did.
    @discardableResult
    public func cancel(_ request: CancelRequest) -> Bool {
        let matching = sessions.withLockedValue { sessions in
            (sessions.byProcessID[request.processID] ?? []).filter {
                ConstantTime.equals($0.secretKey, request.secretKey)
            }
        }
        for entry in matching { entry.cancel() }
        return !matching.isEmpty
    }

    /// The number of registered sessions.
    public var count: Int { sessions.withLockedValue { $0.byProcessID.values.reduce(0) { $0 + $1.count } } }
}
