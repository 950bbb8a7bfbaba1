import COpenSSL

/// An `SSL_CTX` with pgw's fixed policy applied: TLS 1.2 or newer, no renegotiation, no compression,
/// and on servers no session resumption (as PostgreSQL).
final class OpenSSLContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is only configured during init; afterwards OpenSSL allows concurrent SSL_new.

    /// Which end of connections the context is for.
    enum Role {
        case server
        case client
    }

    /// The `SSL_CTX`, owned by this context.
    let pointer: OpaquePointer
    /// The ALPN protocols, in preference order.
    let applicationProtocols: [String]
    /// Where handshake secrets are logged, in the `SSLKEYLOGFILE` format; `nil` logs nothing.
    let keyLog: TLSKeyLog?

    /// A new `SSL_CTX` for `role` accepting `minimumVersion` and newer, offering or choosing
    /// `applicationProtocols` by ALPN, logging secrets to `keyLog`.
    init(role: Role, minimumVersion: TLSProtocolVersion, applicationProtocols: [String], keyLog: TLSKeyLog?)
        throws(TLSError)
    {
        ERR_clear_error()
        guard let pointer = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "creating an SSL_CTX"))
        }
        self.pointer = pointer
        self.applicationProtocols = applicationProtocols
        self.keyLog = keyLog
        SSL_CTX_set_ex_data(pointer, contextExDataIndex, Unmanaged.passUnretained(self).toOpaque())
        SSL_CTX_set_options(pointer, pgw_SSL_OP_NO_RENEGOTIATION() | pgw_SSL_OP_NO_COMPRESSION())
        guard pgw_SSL_CTX_set_min_proto_version(pointer, minimumVersion.openSSLVersion) == 1 else {
            throw .configurationFailed(.drainingErrorQueue(operation: "setting the minimum TLS version"))
        }
        switch role {
        case .server:
            SSL_CTX_set_options(pointer, pgw_SSL_OP_NO_TICKET())
            _ = SSL_CTX_set_num_tickets(pointer, 0)
            _ = pgw_SSL_CTX_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_OFF))
            SSL_CTX_set_alpn_select_cb(pointer, selectApplicationProtocol, nil)
        case .client:
            let wire = applicationProtocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            guard wire.isEmpty || SSL_CTX_set_alpn_protos(pointer, wire, UInt32(wire.count)) == 0 else {
                throw .configurationFailed(.drainingErrorQueue(operation: "setting the ALPN protocols"))
            }
        }
        if keyLog != nil {
            SSL_CTX_set_keylog_callback(pointer, logKey)
        }
    }

    deinit { SSL_CTX_free(pointer) }

    /// The Swift context behind `ssl`'s current `SSL_CTX`.
    static func current(of ssl: OpaquePointer?) -> OpenSSLContext? {
        guard let raw = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextExDataIndex) else { return nil }
        return Unmanaged<OpenSSLContext>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Presents `identity`'s chain and key in handshakes.
    func use(_ identity: TLSIdentity) throws(TLSError) {
        ERR_clear_error()
        let leaf = identity.certificateChain[0]
        guard SSL_CTX_use_certificate(pointer, leaf.x509) == 1,
            identity.certificateChain.dropFirst().allSatisfy({ pgw_SSL_CTX_add1_chain_cert(pointer, $0.x509) == 1 }),
            SSL_CTX_use_PrivateKey(pointer, identity.privateKey.pkey) == 1,
            SSL_CTX_check_private_key(pointer) == 1
        else {
            throw .configurationFailed(.drainingErrorQueue(operation: "using the certificate \(leaf.info.subject)"))
        }
    }

    /// Verifies peers against `roots` with OpenSSL's `mode` flags (`SSL_VERIFY_*`); a server also names the
    /// explicitly listed authorities in its certificate request.
    func verifyPeers(against roots: TLSTrustRoots, mode: Int32, role: Role) throws(TLSError) {
        ERR_clear_error()
        if let certificates = try roots.certificates() {
            let store = SSL_CTX_get_cert_store(pointer)
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate.x509) == 1,
                    role == .client || SSL_CTX_add_client_CA(pointer, certificate.x509) == 1
                else {
                    throw .configurationFailed(
                        .drainingErrorQueue(operation: "trusting \(certificate.info.subject)"))
                }
            }
        } else if SSL_CTX_set_default_verify_paths(pointer) != 1 {
            throw .configurationFailed(.drainingErrorQueue(operation: "loading the system trust store"))
        }
        SSL_CTX_set_verify(pointer, mode, nil)
    }
}

/// The `SSL_CTX` ex-data slot that points back at the owning ``OpenSSLContext``.
private let contextExDataIndex = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nil, nil, nil, nil)

/// Picks the first of the server's ALPN protocols that the client offers; offering only others is fatal,
/// as in PostgreSQL 17.
private let selectApplicationProtocol:
    @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
        UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
    ) -> Int32 = { ssl, output, outputLength, offered, offeredLength, _ in
        guard let ours = OpenSSLContext.current(of: ssl)?.applicationProtocols, !ours.isEmpty, let offered else {
            return SSL_TLSEXT_ERR_NOACK
        }
        let list = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
        for wanted in ours {
            var index = 0
            while index < list.count {
                let length = Int(list[index])
                let start = index + 1
                guard start + length <= list.count else { return SSL_TLSEXT_ERR_ALERT_FATAL }
                if list[start..<start + length].elementsEqual(wanted.utf8) {
                    output?.pointee = offered + start
                    outputLength?.pointee = UInt8(length)
                    return SSL_TLSEXT_ERR_OK
                }
                index = start + length
            }
        }
        return SSL_TLSEXT_ERR_ALERT_FATAL
    }

/// Appends one `SSLKEYLOGFILE` line to the context's key log.
private let logKey: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Void = { ssl, line in
    guard let line else { return }
    OpenSSLContext.current(of: ssl)?.keyLog?.append(line)
}
