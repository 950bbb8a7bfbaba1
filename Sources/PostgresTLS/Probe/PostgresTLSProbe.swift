import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens TLS to a PostgreSQL server the way libpq does, and reports what the server answered and presented.
///
/// With ``Negotiation/sslRequest`` it sends an `SSLRequest` and reads the one-byte answer; after `S` (or right
/// away with ``Negotiation/direct``) it runs a TLS handshake offering the ALPN protocol `postgresql` and sending
/// the server name as SNI unless it is an IP address. The certificate is not verified during the handshake,
/// so that its facts can be reported either way: check them with
/// ``CertificateCheck/verifyFull(serverChain:authorityFile:host:now:)``. The probe closes the connection after
/// the handshake, before any startup message. It blocks the calling thread (not an event loop's) until done.
public struct PostgresTLSProbe: Sendable {
    /// How TLS is asked for.
    public enum Negotiation: Sendable, Hashable {
        /// An `SSLRequest` first, as `sslnegotiation=postgres` (the default) does.
        case sslRequest
        /// A TLS ClientHello right away, as `sslnegotiation=direct` (PostgreSQL 17 and later) does.
        case direct
    }

    /// What the server answered and presented.
    public struct Report: Sendable, Hashable {
        /// The server's one-byte answer to `SSLRequest` (`S` or `N`); `nil` with direct TLS.
        public var sslResponse: Character?
        /// The facts of the TLS connection; `nil` when the server declined TLS.
        public var connection: TLSConnectionInfo?
    }

    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The name to send as SNI; ``host`` when `nil`.
    public var serverName: String?
    /// How TLS is asked for.
    public var negotiation: Negotiation
    /// How many seconds the whole probe may take, connecting included.
    public var timeout: Int

    /// A probe of `host:port`.
    public init(
        host: String, port: Int, serverName: String? = nil, negotiation: Negotiation = .sslRequest, timeout: Int = 10
    ) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.negotiation = negotiation
        self.timeout = timeout
    }

    /// Connects, negotiates TLS and reports; throws when the exchange fails before there is anything to report,
    /// or when it has not finished within ``timeout`` seconds (connecting included), however the server trickles
    /// its bytes.
    public func run() throws(TLSProbeError) -> Report {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: Report.self)
        let timeout = timeout
        let deadline = eventLoop.scheduleTask(in: .seconds(Int64(timeout))) {
            promise.fail(TLSProbeError("no answer within \(timeout) seconds (--timeout)"))
        }
        let (host, port) = (host, port)
        let serverName = serverName ?? host
        let negotiation = negotiation
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(Int64(timeout)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PostgresTLSProbeHandler(negotiation: negotiation, serverName: serverName, promise: promise))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    if let unknown = Self.unknownHost(error) {
                        promise.fail(
                            TLSProbeError(
                                "could not translate host name \"\(host)\" to address: \(unknown.errorDescription)\n"
                                    + "hint: check the host name (the argument, -h or PGHOST)"))
                        return
                    }
                    promise.fail(
                        TLSProbeError(
                            "cannot connect to \(host):\(port): \(Self.reason(error))\n"
                                + "hint: is the server running on that host and accepting TCP/IP connections?"
                        ))
                }
            }
        defer { deadline.cancel() }
        do {
            return try promise.futureResult.wait()
        } catch let error as TLSProbeError {
            throw error
        } catch {
            throw TLSProbeError("\(error)")
        }
    }

    /// The resolver's failure when the host name did not resolve to any address.
    private static func unknownHost(_ error: any Error) -> SocketAddressError.UnknownHost? {
        if let unknown = error as? SocketAddressError.UnknownHost { return unknown }
        guard let failure = error as? NIOConnectionError, failure.connectionErrors.isEmpty else { return nil }
        return (failure.dnsAError ?? failure.dnsAAAAError) as? SocketAddressError.UnknownHost
    }

    /// The system's reason for a failed connect, without NIO's wrapping.
    private static func reason(_ error: any Error) -> String {
        if let failure = error as? NIOConnectionError {
            if let single = failure.connectionErrors.last, let io = single.error as? IOError {
                return String(cString: strerror(io.errnoCode))
            }
            if failure.connectionErrors.isEmpty, let lookup = failure.dnsAError ?? failure.dnsAAAAError {
                return "cannot resolve the host name (\(lookup))"
            }
        }
        if case .connectTimeout = error as? ChannelError {
            return "timed out"
        }
        return "\(error)"
    }
}
