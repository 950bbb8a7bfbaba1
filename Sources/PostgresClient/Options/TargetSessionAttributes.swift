/// libpq's `target_session_attrs`: which kind of server a connection must reach, judged from the
/// `in_hot_standby` and `default_transaction_read_only` parameters the server reports (PostgreSQL 14 and later).
public enum TargetSessionAttributes: String, Sendable, Hashable, CaseIterable {
    /// Any server (libpq's default).
    case any
    /// A server that accepts writes by default.
    case readWrite = "read-write"
    /// A server whose sessions are read-only by default, or a standby.
    case readOnly = "read-only"
    /// A server that is not a standby.
    case primary
    /// A standby.
    case standby
    /// A standby if any host is one, else any server: the hosts are tried twice.
    case preferStandby = "prefer-standby"

    /// Whether a server reporting `parameters` qualifies.
    func accepts(_ parameters: [String: String]) -> Bool {
        let standby = parameters["in_hot_standby"] == "on"
        let readOnly = standby || parameters["default_transaction_read_only"] == "on"
        switch self {
        case .any: return true
        case .readWrite: return !readOnly
        case .readOnly: return readOnly
        case .primary: return !standby
        case .standby, .preferStandby: return standby
        }
    }

    /// libpq's reason for rejecting a server, such as `session is read-only`.
    var rejection: String {
        switch self {
        case .any, .readWrite: "session is read-only"
        case .readOnly: "session is not read-only"
        case .primary: "server is in hot standby mode"
        case .standby, .preferStandby: "server is not in hot standby mode"
        }
    }
}
