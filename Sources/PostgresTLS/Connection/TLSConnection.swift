import COpenSSL
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One OpenSSL `SSL` object running over a pair of memory BIOs: ciphertext from the network is written into
/// one, ciphertext for the network is read out of the other. Used only on its channel's event loop.
final class TLSConnection {
    /// How far a call to ``handshake()`` got.
    enum HandshakeResult {
        case complete
        case inProgress
        /// The ClientHello arrived and the handshake waits for ``selectServerContext(_:)``.
        case needsServerContext(serverName: String?)
        case failed(TLSError)
    }

    /// What a call to ``read(into:)`` found.
    enum ReadResult {
        case bytes
        case wouldBlock
        case closeNotify
        case failed(TLSError)
    }

    /// Where a server connection stands in choosing its context by SNI.
    private enum ContextSelection {
        case notNeeded
        case awaitingClientHello
        case pending(serverName: String?)
        case selected(TLSServerContext)
        case rejected(serverName: String?, reason: String)
    }

    private let ssl: OpaquePointer
    private let networkInput: OpaquePointer
    private let networkOutput: OpaquePointer
    private let isServer: Bool
    /// The host name or IP address the server's certificate must name (`verify-full`); `nil` checks no name.
    private var verifiedHostName: String?
    /// libpq's message when the server's certificate did not name ``verifiedHostName``.
    private var hostNameMismatch: String?
    /// Keeps the Swift side of every `SSL_CTX` this `SSL` uses alive; OpenSSL's callbacks look them up.
    private var contexts: [OpenSSLContext]
    private var contextSelection: ContextSelection

    private init(context: OpenSSLContext, isServer: Bool, contextSelection: ContextSelection) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "creating an SSL connection"))
        }
        guard let input = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .configurationFailed(.drainingErrorQueue(operation: "creating memory BIOs"))
        }
        guard let output = BIO_new(BIO_s_mem()) else {
            BIO_free(input)
            SSL_free(ssl)
            throw .configurationFailed(.drainingErrorQueue(operation: "creating memory BIOs"))
        }
        SSL_set_bio(ssl, input, output)
        self.ssl = ssl
        self.networkInput = input
        self.networkOutput = output
        self.isServer = isServer
        self.contexts = [context]
        self.contextSelection = contextSelection
        SSL_set_ex_data(ssl, connectionExDataIndex, Unmanaged.passUnretained(self).toOpaque())
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }

    /// A server connection presenting `context`.
    static func server(_ context: TLSServerContext) throws(TLSError) -> TLSConnection {
        try TLSConnection(context: context.openSSL, isServer: true, contextSelection: .notNeeded)
    }

    /// A server connection that pauses at the ClientHello for ``selectServerContext(_:)``.
    static func serverSelectingContext() throws(TLSError) -> TLSConnection {
        try TLSConnection(context: selectingContext.get(), isServer: true, contextSelection: .awaitingClientHello)
    }

    /// A client connection to `serverName`, sent as SNI unless it is an IP address, and checked by `verify-full`.
    static func client(_ context: TLSClientContext, serverName: String?) throws(TLSError) -> TLSConnection {
        let connection = try TLSConnection(context: context.openSSL, isServer: false, contextSelection: .notNeeded)
        let isAddress = serverName.map(Self.isIPAddress) ?? false
        if let serverName, !isAddress {
            guard pgw_SSL_set_tlsext_host_name(connection.ssl, serverName) == 1 else {
                throw .configurationFailed(.drainingErrorQueue(operation: "setting the server name '\(serverName)'"))
            }
        }
        if context.configuration.mode == .verifyFull {
            guard let serverName else { throw .missingServerName }
            connection.verifiedHostName = serverName
            SSL_set_verify(connection.ssl, SSL_VERIFY_PEER, verifyHostName)
        }
        return connection
    }

    /// Runs inside OpenSSL's chain verification for each certificate; fails the server's own (depth 0) with
    /// `hostname mismatch` unless ``HostNameVerification`` finds ``verifiedHostName`` in it (the handshake then
    /// fails with ``TLSError/hostNameMismatch(message:)``).
    fileprivate func verify(preverified: Bool, store: OpaquePointer) -> Bool {
        guard preverified, X509_STORE_CTX_get_error_depth(store) == 0 else { return preverified }
        guard let verifiedHostName else { return true }
        guard let certificate = X509_STORE_CTX_get_current_cert(store) else {
            X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH)
            return false
        }
        let info = TLSCertificate(borrowing: certificate).info
        guard case .matched = HostNameVerification.verify(host: verifiedHostName, against: info) else {
            hostNameMismatch = HostNameVerification.mismatchMessage(host: verifiedHostName, certificate: info)
            X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH)
            return false
        }
        return true
    }

    private static func isIPAddress(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }

    // MARK: Ciphertext

    /// Hands OpenSSL ciphertext that arrived from the network, or says why it could not keep it.
    func receive(_ buffer: ByteBuffer) -> TLSError? {
        ERR_clear_error()
        guard buffer.withUnsafeReadableBytes({ MemoryBIO.write($0, to: networkInput) }) else {
            return .connectionFailed(
                .drainingErrorQueue(operation: "buffering \(buffer.readableBytes) bytes of received TLS data"))
        }
        return nil
    }

    /// How many bytes of ciphertext wait to be sent.
    var pendingOutputCount: Int { Int(BIO_ctrl_pending(networkOutput)) }

    /// Takes the ciphertext waiting to be sent, if any.
    func takeOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let count = pendingOutputCount
        guard count > 0 else { return nil }
        var buffer = allocator.buffer(capacity: count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            Int(BIO_read(networkOutput, bytes.baseAddress, Int32(count)))
        }
        return buffer
    }

    // MARK: TLS

    /// Advances the handshake with whatever ciphertext has arrived.
    func handshake() -> HandshakeResult {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            return .complete
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .inProgress
        case SSL_ERROR_WANT_CLIENT_HELLO_CB:
            guard case .pending(let serverName) = contextSelection else { return .inProgress }
            return .needsServerContext(serverName: serverName)
        default:
            return .failed(handshakeError())
        }
    }

    private func handshakeError() -> TLSError {
        let error = OpenSSLError.drainingErrorQueue(operation: "TLS handshake")
        if case .rejected(let serverName, let reason) = contextSelection {
            return .serverContextUnavailable(serverName: serverName, reason: reason)
        }
        let verification = SSL_get_verify_result(ssl)
        if verification == X509_V_ERR_HOSTNAME_MISMATCH, let hostNameMismatch {
            return .hostNameMismatch(message: hostNameMismatch)
        }
        if SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER != 0, verification != X509_V_OK {
            return .certificateVerificationFailed(reason: String(cString: X509_verify_cert_error_string(verification)))
        }
        return .handshakeFailed(error)
    }

    /// Supplies the context the provider picked for the ClientHello's server name, or why it could not.
    func selectServerContext(_ result: Result<TLSServerContext, any Error>) {
        guard case .pending(let serverName) = contextSelection else { return }
        switch result {
        case .success(let context):
            contextSelection = .selected(context)
        case .failure(let error):
            contextSelection = .rejected(serverName: serverName, reason: String(describing: error))
        }
    }

    /// Runs inside `SSL_do_handshake` once the ClientHello has been parsed.
    fileprivate func clientHelloArrived(alert: UnsafeMutablePointer<Int32>?) -> Int32 {
        switch contextSelection {
        case .notNeeded:
            return SSL_CLIENT_HELLO_SUCCESS
        case .awaitingClientHello:
            contextSelection = .pending(serverName: requestedServerName())
            return SSL_CLIENT_HELLO_RETRY
        case .pending:
            return SSL_CLIENT_HELLO_RETRY
        case .selected(let context):
            // Switch the certificate, key, trust store and ALPN/key-log callbacks, then what SSL_new
            // copied from the placeholder context: verification mode and minimum version.
            let pointer = context.openSSL.pointer
            guard SSL_set_SSL_CTX(ssl, pointer) != nil,
                pgw_SSL_set_min_proto_version(ssl, pgw_SSL_CTX_get_min_proto_version(pointer)) == 1
            else { return SSL_CLIENT_HELLO_ERROR }
            SSL_set_verify(ssl, SSL_CTX_get_verify_mode(pointer), nil)
            contexts.append(context.openSSL)
            contextSelection = .notNeeded
            return SSL_CLIENT_HELLO_SUCCESS
        case .rejected:
            alert?.pointee = SSL_AD_UNRECOGNIZED_NAME
            return SSL_CLIENT_HELLO_ERROR
        }
    }

    private func requestedServerName() -> String? {
        var body: UnsafePointer<UInt8>?
        var length = 0
        guard SSL_client_hello_get0_ext(ssl, UInt32(TLSEXT_TYPE_server_name), &body, &length) == 1 else { return nil }
        return ServerNameExtension.hostName(in: UnsafeBufferPointer(start: body, count: length))
    }

    /// Decrypts what it can into `buffer`.
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        ERR_clear_error()
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: minimumReadSize) { bytes in
            var count = 0
            result = SSL_read_ex(ssl, bytes.baseAddress, bytes.count, &count)
            return count
        }
        if result == 1 {
            return .bytes
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        case SSL_ERROR_ZERO_RETURN: return .closeNotify
        default: return .failed(.connectionFailed(.drainingErrorQueue(operation: "reading TLS data")))
        }
    }

    /// Whether ciphertext or decrypted bytes wait to be read; when false, ``read(into:)`` would block.
    var hasPendingInput: Bool { BIO_ctrl_pending(networkInput) > 0 || SSL_pending(ssl) > 0 }

    /// How many bytes of ciphertext wait to be decrypted.
    var pendingInputCount: Int { Int(BIO_ctrl_pending(networkInput)) }

    /// Encrypts all of `bytes`, or says why it could not.
    func write(_ bytes: UnsafeRawBufferPointer) -> TLSError? {
        ERR_clear_error()
        var written = 0
        guard SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) == 1 else {
            return .connectionFailed(.drainingErrorQueue(operation: "writing TLS data"))
        }
        return nil
    }

    /// Sends `close_notify` if not yet sent; true when there is nothing more to wait for: the peer's
    /// `close_notify` has arrived too, or the connection has failed.
    func shutdown() -> Bool {
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        let error = result < 0 ? SSL_get_error(ssl, result) : SSL_ERROR_NONE
        ERR_clear_error()
        return result == 1 || (result < 0 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
    }

    // MARK: Facts

    /// The facts of the completed handshake.
    func info() -> TLSConnectionInfo {
        let peer = SSL_get1_peer_certificate(ssl).map { TLSCertificate(takingOwnershipOf: $0) }
        var chain: [TLSCertificateInfo] = []
        if let stack = SSL_get_peer_cert_chain(ssl) {
            chain = (0..<pgw_sk_X509_num(stack)).compactMap { index in
                pgw_sk_X509_value(stack, index).map { TLSCertificate(borrowing: $0).info }
            }
        }
        // A server's stack leaves out the client's leaf certificate; a client's starts with the server's.
        if isServer, let peer {
            chain.insert(peer.info, at: 0)
        }
        let serverCertificate = isServer ? SSL_get_certificate(ssl).map { TLSCertificate(borrowing: $0) } : peer
        var alpn: UnsafePointer<UInt8>?
        var alpnLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &alpn, &alpnLength)
        return TLSConnectionInfo(
            serverName: SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) },
            protocolVersion: String(cString: SSL_get_version(ssl)),
            cipher: String(cString: SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))),
            alpnProtocol: alpn.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(alpnLength)), as: UTF8.self)
            },
            peerCertificate: peer?.info,
            peerCertificateChain: chain,
            tlsServerEndPoint: serverCertificate?.tlsServerEndPoint
        )
    }

    fileprivate static func owning(_ ssl: OpaquePointer) -> TLSConnection? {
        SSL_get_ex_data(ssl, connectionExDataIndex).map {
            Unmanaged<TLSConnection>.fromOpaque($0).takeUnretainedValue()
        }
    }
}

/// The least room offered to one `SSL_read`; a record that does not fit is read in parts.
private let minimumReadSize = 1024

/// The `SSL` ex-data slot that points back at the owning ``TLSConnection``.
private let connectionExDataIndex = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nil, nil, nil, nil)

/// The context server connections start from when they pick their real one by SNI: it only holds the
/// ClientHello until ``TLSConnection/selectServerContext(_:)`` has been called.
private let selectingContext = Result { () throws(TLSError) -> OpenSSLContext in
    let context = try OpenSSLContext(
        role: .server, minimumVersion: .tls1_2, applicationProtocols: [], keyLog: nil)
    SSL_CTX_set_client_hello_cb(context.pointer, clientHelloCallback, nil)
    return context
}

/// Checks the server's certificate against the host name of the connection being verified; fails closed when
/// the connection cannot be found.
private let verifyHostName: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverified, store in
    guard let store, let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
        let connection = TLSConnection.owning(OpaquePointer(ssl))
    else { return 0 }
    return connection.verify(preverified: preverified == 1, store: store) ? 1 : 0
}

/// Runs once OpenSSL has parsed a ClientHello and hands it to the owning connection's `clientHelloArrived`;
/// fails the handshake when the connection cannot be found.
private let clientHelloCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?)
        -> Int32 = { ssl, alert, _ in
            guard let ssl, let connection = TLSConnection.owning(ssl) else { return SSL_CLIENT_HELLO_ERROR }
            return connection.clientHelloArrived(alert: alert)
        }
