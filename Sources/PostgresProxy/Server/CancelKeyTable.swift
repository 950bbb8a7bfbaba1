import NIOConcurrencyHelpers
import PostgresWire

/// Which upstream issued each cancel key a client holds, so that a CancelRequest (which arrives on a new
/// connection, with no server name to route by) reaches the server running that session.
///
/// In the transparent mode the client holds the upstream's own BackendKeyData. In the authenticating mode the
/// proxy gives the client the upstream's process ID with a secret of its own and keeps the upstream's key here: a
/// CancelRequest with the proxy's key is sent upstream with the upstream's key, so the upstream's secret never
/// leaves the proxy.
final class CancelKeyTable: Sendable {
    /// Where a cancel key leads: the upstream and the key it issued.
    struct Destination: Sendable {
        /// The server that runs the session.
        var upstream: UpstreamServer
        /// The BackendKeyData that server sent.
        var key: BackendKeyData
    }

    private let entries = NIOLockedValueBox<[BackendKeyData: Destination]>([:])

    /// Records that a client holding `clientKey` cancels `key` on `upstream`.
    func register(_ clientKey: BackendKeyData, upstream: UpstreamServer, key: BackendKeyData) {
        entries.withLockedValue { $0[clientKey] = Destination(upstream: upstream, key: key) }
    }

    /// Forgets `clientKey` (its session is over).
    func remove(_ clientKey: BackendKeyData) {
        _ = entries.withLockedValue { $0.removeValue(forKey: clientKey) }
    }

    /// Where a CancelRequest with this process ID and secret goes, if a live session issued it.
    func destination(of request: CancelRequest) -> Destination? {
        entries.withLockedValue { $0[BackendKeyData(processID: request.processID, secretKey: request.secretKey)] }
    }

    /// A new key for a client: the upstream's process ID (which clients compare with pg_backend_pid() and with
    /// the process ID of their own notifications) and a random secret as long as `upstreamKey`'s (4 bytes in
    /// protocol 3.0), not already given out.
    func issueKey(like upstreamKey: BackendKeyData) -> BackendKeyData {
        var generator = SystemRandomNumberGenerator()
        while true {
            let key = BackendKeyData(
                processID: upstreamKey.processID,
                secretKey: (0..<upstreamKey.secretKey.count).map { _ in UInt8.random(in: 0...255, using: &generator) })
            if key != upstreamKey && entries.withLockedValue({ $0[key] == nil }) { return key }
        }
    }
}
