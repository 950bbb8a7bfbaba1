import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private key, loaded from PEM (optionally encrypted with a passphrase) or generated.
public final class TLSPrivateKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never mutated after init, and OpenSSL's reference counting is thread-safe.
    /// The OpenSSL `EVP_PKEY`, of which this key holds one reference.
    let pkey: OpaquePointer

    private init(takingOwnershipOf pkey: OpaquePointer) {
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Loads the key in the PEM file at `path`, decrypting it with `passphrase` if it is encrypted.
    ///
    /// A file without a private key is said to be what it is instead (`the file holds a certificate, not a private
    /// key`, `the file is empty`), rather than with OpenSSL's "no start line" or "unsupported".
    public convenience init(pemFile path: String, passphrase: String? = nil) throws(TLSError) {
        let pkey: OpaquePointer
        do {
            pkey = try MemoryBIO.reading(file: path) { bio throws(TLSError) in
                try Self.read(bio, passphrase: passphrase, source: path)
            }
        } catch .configurationFailed(var error) where error.operation.hasPrefix("reading") {
            if let problem = PEMFileContents(file: path)?.privateKeyProblem { error.reasons = [problem] }
            throw .configurationFailed(error)
        }
        self.init(takingOwnershipOf: pkey)
    }

    /// Loads the key in PEM text, decrypting it with `passphrase` if it is encrypted.
    public convenience init(pemBytes: [UInt8], passphrase: String? = nil) throws(TLSError) {
        let pkey = try MemoryBIO.reading(pemBytes) { bio throws(TLSError) in
            try Self.read(bio, passphrase: passphrase, source: "PEM bytes")
        }
        self.init(takingOwnershipOf: pkey)
    }

    private static func read(_ bio: OpaquePointer, passphrase: String?, source: String) throws(TLSError)
        -> OpaquePointer
    {
        ERR_clear_error()
        // Always pass a callback: OpenSSL's default one would prompt on the terminal for a missing passphrase.
        let pkey = withPassphrase(passphrase) { PEM_read_bio_PrivateKey(bio, nil, passphraseCallback, $0) }
        guard let pkey else {
            var error = OpenSSLError.drainingErrorQueue(operation: "reading the private key from \(source)")
            // OpenSSL cannot tell a wrong passphrase from damaged data; a passphrase that was given is the usual cause.
            if passphrase != nil {
                error.reasons = error.reasons.map { $0 == "bad decrypt" ? "bad decrypt (wrong passphrase?)" : $0 }
            }
            throw .configurationFailed(error)
        }
        return pkey
    }

    /// Generates a new key.
    public static func generate(_ algorithm: TLSKeyAlgorithm) throws(TLSError) -> TLSPrivateKey {
        ERR_clear_error()
        let name: String
        switch algorithm {
        case .ecdsaP256, .ecdsaP384: name = "EC"
        case .rsa: name = "RSA"
        case .ed25519: name = "ED25519"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "preparing \(name) key generation"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer?
        var succeeded = EVP_PKEY_keygen_init(context) == 1
        switch algorithm {
        case .ecdsaP256: succeeded = succeeded && EVP_PKEY_CTX_set_group_name(context, "P-256") == 1
        case .ecdsaP384: succeeded = succeeded && EVP_PKEY_CTX_set_group_name(context, "P-384") == 1
        case .rsa(let bits): succeeded = succeeded && EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1
        case .ed25519: break
        }
        guard succeeded, EVP_PKEY_keygen(context, &pkey) == 1, let pkey else {
            throw .configurationFailed(.drainingErrorQueue(operation: "generating a \(name) key"))
        }
        return TLSPrivateKey(takingOwnershipOf: pkey)
    }

    /// The key type as OpenSSL names it, for example `EC`, `RSA` or `ED25519`.
    public var algorithmName: String {
        EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown"
    }

    /// The key size in bits.
    public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

    /// The key in PKCS #8 PEM form, encrypted with AES-256-CBC when `passphrase` is given.
    public func pemString(passphrase: String? = nil) throws(TLSError) -> String {
        let bytes = try MemoryBIO.collecting { bio throws(TLSError) in
            let cipher = passphrase == nil ? nil : EVP_aes_256_cbc()
            let written = withPassphrase(passphrase) {
                PEM_write_bio_PKCS8PrivateKey(bio, pkey, cipher, nil, 0, passphraseCallback, $0)
            }
            guard written == 1 else {
                throw .configurationFailed(.drainingErrorQueue(operation: "writing the private key"))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Hands OpenSSL the NUL-terminated passphrase that `userdata` points to, or nothing.
private let passphraseCallback:
    @convention(c) (
        UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
    ) -> Int32 = { buffer, size, _, userdata in
        guard let buffer, let userdata else { return 0 }
        let passphrase = userdata.assumingMemoryBound(to: CChar.self)
        let length = min(Int(strlen(passphrase)), Int(size))
        buffer.update(from: passphrase, count: length)
        return Int32(length)
    }

/// Runs `body` with a NUL-terminated copy of `passphrase` (or `nil`) for `passphraseCallback`, then zeroes
/// the copy.
private func withPassphrase<T>(_ passphrase: String?, _ body: (UnsafeMutableRawPointer?) -> T) -> T {
    guard let passphrase else { return body(nil) }
    var bytes = Array(passphrase.utf8CString)
    defer { bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    return bytes.withUnsafeMutableBytes { body($0.baseAddress) }
}
