import Foundation
import PostgresTestSupport

/// Wireshark's `pgsql` dissector run through `tshark` on a capture: how many messages of each type it sees.
enum TSharkDissection {
    /// pgw's message type names as tshark's `pgsql.type` names them; the `p` messages are one group, as tshark
    /// names them by what it guesses.
    static let names: [String: String] = [
        "StartupMessage": "Startup message", "SSLRequest": "SSL request", "CancelRequest": "Cancel request",
        "ParameterStatus": "Parameter status", "BackendKeyData": "Backend key data",
        "ReadyForQuery": "Ready for query", "Query": "Simple query", "RowDescription": "Row description",
        "DataRow": "Data row", "CommandComplete": "Command completion", "ErrorResponse": "Error",
        "NoticeResponse": "Notice", "Terminate": "Termination", "Parse": "Parse", "Bind": "Bind",
        "Execute": "Execute", "Sync": "Sync", "Flush": "Flush", "Describe": "Describe", "Close": "Close",
        "ParseComplete": "Parse completion", "BindComplete": "Bind completion", "CloseComplete": "Close completion",
        "CopyData": "Copy data", "CopyDone": "Copy completion", "CopyFail": "Copy failure",
        "CopyInResponse": "CopyIn response", "CopyOutResponse": "CopyOut response",
        "CopyBothResponse": "CopyBoth response", "NoData": "No data", "EmptyQueryResponse": "Empty query",
        "PortalSuspended": "Portal suspended", "ParameterDescription": "Parameter description",
        "NotificationResponse": "Notification", "FunctionCall": "Function call",
        "FunctionCallResponse": "Function call response", "NegotiateProtocolVersion": "Negotiate protocol version",
        "PasswordMessage": "p", "SASLInitialResponse": "p", "SASLResponse": "p", "GSSResponse": "p",
        "Password message": "p", "SASLInitialResponse message": "p", "SASLResponse message": "p",
    ]

    /// The tshark name of a pgw type name (every Authentication request is one name for tshark).
    static func name(ofPGWType type: String) -> String {
        type.hasPrefix("Authentication") ? "Authentication request" : names[type] ?? type
    }

    /// Message counts by tshark name in the capture at `path`, whose PostgreSQL server listens on `port`.
    static func counts(_ path: String, port: Int) async throws -> [String: Int] {
        let tshark = try PostgresInstallation.executableOnPath("tshark")
        let outcome = try await SubprocessCommand(
            tshark,
            ["-r", path, "-n", "-d", "tcp.port==\(port),pgsql", "-Y", "pgsql", "-T", "fields", "-e", "pgsql.type"],
            timeout: .seconds(60)
        ).run()
        guard outcome.succeeded else {
            throw TestSupportError.missingPrerequisite("a working tshark (Debian tshark): \(outcome.standardError)")
        }
        var counts: [String: Int] = [:]
        for line in outcome.standardOutput.split(separator: "\n") {
            for type in line.split(separator: ",") { counts[names[String(type)] ?? String(type), default: 0] += 1 }
        }
        return counts
    }
}
