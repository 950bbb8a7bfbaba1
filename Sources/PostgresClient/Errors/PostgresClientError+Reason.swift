import NIOCore
import NIOPosix
import PostgresTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PostgresClientError.Reason {
    /// Why connecting failed, from a NIO connect error: ``timedOut`` for NIO's connect timeout, ``unknownHost(host:reason:)``
    /// when the name did not resolve, else ``connectFailed(reason:)`` with the operating system's reason (such as
    /// `Connection refused`). The client library and the proxy describe connect errors with it.
    public init(connecting error: any Error) {
        if case ChannelError.connectTimeout? = error as? ChannelError {
            self = .timedOut
        } else if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            self.init(connecting: first.error)
        } else if let error = error as? NIOConnectionError, let dnsError = error.dnsAAAAError ?? error.dnsAError {
            self.init(connecting: dnsError)
        } else if let error = error as? SocketAddressError.UnknownHost {
            self = .unknownHost(host: error.host, reason: error.errorDescription)
        } else if let error = error as? IOError {
            self = .connectFailed(reason: String(cString: strerror(error.errnoCode)))
        } else {
            self = .connectFailed(reason: "\(error)")
        }
    }

    /// The reason as libpq words it, without its hint: `could not translate host name "db" to address: Name or
    /// service not known`, `Connection refused`.
    public var message: String {
        switch self {
        case .invalidOptions(let error): return error.message
        case .connectFailed(let reason): return reason
        case .unknownHost(let host, let reason):
            return "could not translate host name \"\(host)\" to address: \(reason)"
        case .timedOut: return "timeout expired"
        case .tls(.hostNameMismatch(let message)): return message
        case .tls(let error): return "SSL error: \(error)"
        case .tlsRequired: return "server does not support SSL, but SSL was required"
        case .gssEncryptionUnsupported: return "GSSAPI encryption is not supported by this client"
        case .server(let message): return PostgresClientError.describe(message)
        case .passwordNeeded: return "fe_sendauth: no password supplied"
        case .authentication(let message), .protocolViolation(let message), .sessionRejected(let message),
            .legacyServerError(let message), .clientKey(let message):
            return message
        case .closed:
            return "server closed the connection unexpectedly\n\tThis probably means the server terminated "
                + "abnormally\n\tbefore or while processing the request."
        }
    }

    /// libpq's hint for the reason, or `nil` where libpq gives none: a connection that failed (refused,
    /// unreachable) asks whether the server runs there; a name that does not resolve gets no such hint.
    public var hint: String? {
        if case .connectFailed = self { return "Is the server running on that host and accepting TCP/IP connections?" }
        return nil
    }
}
