import NIOCore

/// Opens TLS to a PostgreSQL server the way libpq does, and reports what the server answered and presented.
///
/// With ``Negotiation/sslRequest`` it sends an `SSLRequest` and reads the one-byte answer; after `S` (or right
/// away with ``Negotiation/direct``) it runs a TLS handshake offering the ALPN protocol `postgresql` and sending
/// the server name as SNI unless it is an IP address. The certificate is not verified during the handshake,
/// so that its facts can be reported either way: check them with
/// ``CertificateCheck/verifyFull(serverChain:authorityFile:host:now:)``. The probe closes the connection after
/// the handshake, before any startup message. It blocks the calling thread.
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
    /// How many seconds connecting and each read may take.
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

    /// Connects, negotiates TLS and reports; throws when the exchange fails before there is anything to report.
    public func run() throws(TLSProbeError) -> Report {
        let socket = try ProbeSocket(host: host, port: port, timeout: timeout)
        var sslResponse: Character?
        if negotiation == .sslRequest {
            try socket.write([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])  // length 8, code 80877103
            let answer = try socket.read()
            guard let first = answer.first else { throw TLSProbeError("the server closed the connection") }
            let response = Character(Unicode.Scalar(first))
            sslResponse = response
            switch first {
            case UInt8(ascii: "N"):
                return Report(sslResponse: sslResponse, connection: nil)
            case UInt8(ascii: "S"):
                // libpq refuses this too: those bytes were not protected by TLS (CVE-2021-23222).
                guard answer.count == 1 else { throw TLSProbeError("the server sent data after 'S'") }
            default:
                throw TLSProbeError("the server answered SSLRequest with '\(response)', not 'S' or 'N'")
            }
        }
        let info = try handshake(over: socket)
        return Report(sslResponse: sslResponse, connection: info)
    }

    private func handshake(over socket: ProbeSocket) throws(TLSProbeError) -> TLSConnectionInfo {
        let connection: TLSConnection
        do {
            let configuration = TLSClientConfiguration(
                mode: .require, serverName: serverName ?? host, applicationProtocols: ["postgresql"])
            connection = try .client(TLSClientContext(configuration: configuration), serverName: serverName ?? host)
        } catch {
            throw TLSProbeError(error.description)
        }
        let allocator = ByteBufferAllocator()
        while true {
            let result = connection.handshake()
            try flush(connection, to: socket, allocator: allocator)
            switch result {
            case .complete:
                _ = connection.shutdown()
                try? flush(connection, to: socket, allocator: allocator)
                return connection.info()
            case .inProgress, .needsServerContext:
                let bytes = try socket.read()
                guard !bytes.isEmpty else {
                    throw TLSProbeError(TLSError.connectionClosedDuringHandshake.description)
                }
                connection.receive(ByteBuffer(bytes: bytes))
            case .failed(let error):
                throw TLSProbeError(error.description)
            }
        }
    }

    private func flush(
        _ connection: TLSConnection, to socket: ProbeSocket, allocator: ByteBufferAllocator
    ) throws(TLSProbeError) {
        if let output = connection.takeOutput(allocator: allocator) {
            try socket.write(output.readableBytesView)
        }
    }
}
