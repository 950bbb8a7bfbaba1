import PostgresTLS
import PostgresWire

/// Why a connection could not be made or broke, with a message in libpq's words that says what to do.
///
/// ``attempts`` keeps the failures of earlier hosts and fallbacks (libpq lists them all); ``description``
/// prints every attempt as `connection to server at "host", port 5432 failed: reason`.
public struct PostgresClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong on one attempt.
    public enum Reason: Sendable, Hashable {
        /// The connection options are invalid.
        case invalidOptions(ConnectionOptionError)
        /// Connecting failed; `reason` is the operating system's text, such as `Connection refused`.
        case connectFailed(reason: String)
        /// The host name did not resolve; `reason` is the resolver's text, such as `Name or service not known`.
        case unknownHost(host: String, reason: String)
        /// `connect_timeout` passed before the server was ready.
        case timedOut
        /// TLS failed, with OpenSSL's reason.
        case tls(TLSError)
        /// The client certificate's key cannot be used, in libpq's words (`initialize_SSL`): a key file with
        /// group or world access, or one that is not a regular file.
        case clientKey(String)
        /// The server answered `N` to SSLRequest but `sslmode` requires TLS.
        case tlsRequired
        /// The server accepted GSSENCRequest; pgw cannot do GSSAPI encryption (retried without it).
        case gssEncryptionUnsupported
        /// The server sent an ErrorResponse; every field is kept.
        case server(DiagnosticMessage)
        /// The server sent a pre-3.0 error, a plain text (what the postmaster sends when it cannot start a
        /// backend, such as `could not fork new process for connection: …`), shown as libpq shows it.
        case legacyServerError(String)
        /// The client refused to authenticate, or the exchange failed on the client's side.
        case authentication(String)
        /// The server asked for a password and the options gave none for it (libpq's `fe_sendauth: no password
        /// supplied`, after which psql asks for one and connects again).
        case passwordNeeded
        /// The server broke the protocol.
        case protocolViolation(String)
        /// The server is not what `target_session_attrs` asks for.
        case sessionRejected(String)
        /// The server closed the connection.
        case closed
    }

    /// What went wrong on the last attempt.
    public var reason: Reason
    /// The server of the last attempt, in libpq's words (`server at "127.0.0.1", port 5432`); `nil` before any.
    public var server: String?
    /// The failures of earlier attempts, oldest first.
    public var attempts: [PostgresClientError]
    /// Whether the attempt had TLS up when it failed (decides libpq's `sslmode=prefer` fallback).
    public var wasEncrypted = false
    /// The password file the rejected password came from, which libpq names after a failed password login.
    public var passwordFile: String?

    /// An error for `reason` on `server`, after `attempts`.
    public init(_ reason: Reason, server: String? = nil, attempts: [PostgresClientError] = []) {
        self.reason = reason
        self.server = server
        self.attempts = attempts
    }

    /// The server's ErrorResponse, when that is the reason.
    public var serverError: DiagnosticMessage? {
        if case .server(let message) = reason { return message }
        return nil
    }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        (attempts + [self]).map(\.attemptDescription).joined(separator: "\n")
    }

    private var attemptDescription: String {
        // As libpq, a name that does not resolve is no server to name (there is no address to connect to).
        let shownServer = if case .unknownHost = reason { nil as String? } else { server }
        var text = shownServer.map { "connection to \($0) failed: \(reasonDescription)" } ?? reasonDescription
        if let passwordFile { text += "\npassword retrieved from file \"\(passwordFile)\"" }
        return text
    }

    /// The failure to connect to `server`: a timeout, a host name that does not resolve, or the operating system's
    /// reason (such as `Connection refused`), taken from a NIO connect error.
    init(connecting error: any Error, server: String) {
        self.init(Reason(connecting: error), server: server)
    }

    /// The reason alone, as libpq words it, with libpq's hint on its own line.
    public var reasonDescription: String {
        hint.map { "\(reason.message)\n\t\($0)" } ?? reason.message
    }

    /// libpq's hint for this failure: ``Reason/hint``, except that a Unix socket that refused the connection asks
    /// whether the server runs locally on that socket.
    public var hint: String? {
        if case .connectFailed = reason, server?.hasPrefix("server on socket ") == true {
            return "Is the server running locally and accepting connections on that socket?"
        }
        return reason.hint
    }

    /// An ErrorResponse as libpq words a connection failure at its default verbosity (what psql prints):
    /// `FATAL:  message`, then the DETAIL, HINT, QUERY and CONTEXT fields on their own lines. The SQLSTATE and the
    /// other fields stay in ``serverError`` (libpq shows them only at verbose verbosity).
    static func describe(_ message: DiagnosticMessage) -> String {
        var lines = ["\(message.severity ?? "ERROR"):  \(message.message ?? "")"]
        let labelled: [(DiagnosticField, String)] = [
            (.detail, "DETAIL"), (.hint, "HINT"), (.internalQuery, "QUERY"), (.context, "CONTEXT"),
        ]
        for (field, label) in labelled {
            if let value = message[field] { lines.append("\(label):  \(value)") }
        }
        return lines.joined(separator: "\n")
    }
}
