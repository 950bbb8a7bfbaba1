/// Why TLS could not be set up or carried on; OpenSSL's own reasons are kept where there are any.
public enum TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Loading a certificate, key or trust store, or building an OpenSSL context, failed.
    case configurationFailed(OpenSSLError)
    /// The TLS handshake failed, for example on a protocol or cipher mismatch or an alert from the peer.
    case handshakeFailed(OpenSSLError)
    /// The peer's certificate was rejected; `reason` is OpenSSL's verification message,
    /// such as `"certificate has expired"` or `"hostname mismatch"`.
    case certificateVerificationFailed(reason: String)
    /// The server-context provider failed for the server name the client asked for (SNI).
    case serverContextUnavailable(serverName: String?, reason: String)
    /// `verify-full`: the server's certificate does not name the host; `message` is libpq's, from
    /// ``HostNameVerification/mismatchMessage(host:certificate:)``.
    case hostNameMismatch(message: String)
    /// `verify-full` needs a server name to check the certificate against, and none was given.
    case missingServerName
    /// The connection closed before the handshake completed.
    case connectionClosedDuringHandshake
    /// Reading or writing TLS records failed after the handshake, for example on an alert from the peer.
    case connectionFailed(OpenSSLError)
    /// The peer closed the connection without sending `close_notify`, so the data may be truncated.
    case uncleanShutdown
    /// The peer did not answer our `close_notify` in time; the connection was closed anyway.
    case shutdownTimedOut

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch self {
        case .configurationFailed(let error): "TLS configuration: \(error)"
        case .handshakeFailed(let error): "TLS handshake: \(error)"
        case .certificateVerificationFailed(let reason): "certificate verification failed: \(reason)"
        case .serverContextUnavailable(let serverName, let reason):
            "no TLS context for server name \(serverName.map { "'\($0)'" } ?? "(none)"): \(reason)"
        case .hostNameMismatch(let message): message
        case .missingServerName: "verify-full needs a server name"
        case .connectionClosedDuringHandshake: "connection closed during the TLS handshake"
        case .connectionFailed(let error): "TLS connection: \(error)"
        case .uncleanShutdown: "peer closed the connection without TLS close_notify"
        case .shutdownTimedOut: "peer did not answer TLS close_notify in time"
        }
    }
}
