import PostgresWire

/// Why the extended query protocol failed; the session answers with the error and skips until Sync.
enum QuerySessionError: Error {
    case undefined(kind: String, name: String)
    case unsupported(String)
    case reported(DiagnosticMessage)

    var diagnostic: DiagnosticMessage {
        switch self {
        case .undefined(let kind, let name):
            DiagnosticMessage(
                severity: "ERROR", sqlState: kind == "portal" ? "34000" : "26000",
                message: kind != "portal" && name.isEmpty
                    ? "unnamed \(kind) does not exist" : "\(kind) \"\(name)\" does not exist")
        case .unsupported(let type):
            DiagnosticMessage(severity: "ERROR", sqlState: "0A000", message: "pgw serve does not support \(type)")
        case .reported(let diagnostic):
            diagnostic
        }
    }
}
