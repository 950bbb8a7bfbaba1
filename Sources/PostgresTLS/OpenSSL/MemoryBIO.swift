import COpenSSL

/// Scoped OpenSSL `BIO`s over memory and files, for PEM and text conversions.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`.
    static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(TLSError) -> T) throws(TLSError) -> T {
        let bio: OpaquePointer? = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw .configurationFailed(.drainingErrorQueue(operation: "allocating a memory BIO")) }
        defer { BIO_free(bio) }
        return try body(bio)
    }

    /// Runs `body` with a BIO reading the file at `path`.
    static func reading<T>(file path: String, _ body: (OpaquePointer) throws(TLSError) -> T) throws(TLSError) -> T {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "rb") else {
            throw .configurationFailed(.drainingErrorQueue(operation: "opening \(path)"))
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }

    /// Runs `body` with an empty memory BIO and returns what it wrote there.
    static func collecting(_ body: (OpaquePointer) throws(TLSError) -> Void) throws(TLSError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "allocating a memory BIO"))
        }
        defer { BIO_free(bio) }
        try body(bio)
        let count = Int(BIO_ctrl_pending(bio))
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = count == 0 ? 0 : Int(max(0, BIO_read(bio, buffer.baseAddress, Int32(count))))
        }
    }

    /// What `body` wrote to a memory BIO, as text; empty if it failed.
    static func text(_ body: (OpaquePointer) -> Void) -> String {
        let bytes = (try? collecting { body($0) }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }
}
