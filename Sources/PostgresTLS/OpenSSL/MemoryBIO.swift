import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scoped OpenSSL `BIO`s over memory and files, for PEM and text conversions.
enum MemoryBIO {
    /// Runs `body` with a memory BIO holding a copy of `bytes`, which reports end of file once they are read.
    ///
    /// The bytes are copied into memory OpenSSL owns: `BIO_new_mem_buf` would keep reading Swift's buffer
    /// after `withUnsafeBytes` returns, when it may already be gone.
    static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(TLSError) -> T) throws(TLSError) -> T {
        ERR_clear_error()
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "allocating a memory BIO"))
        }
        defer { BIO_free(bio) }
        guard bytes.withUnsafeBytes({ write($0, to: bio) }),
            BIO_ctrl(bio, BIO_C_SET_BUF_MEM_EOF_RETURN, 0, nil) == 1
        else {
            throw .configurationFailed(.drainingErrorQueue(operation: "copying \(bytes.count) bytes into a memory BIO"))
        }
        return try body(bio)
    }

    /// Appends all of `bytes` to the memory BIO `bio`; false when OpenSSL could not (out of memory). Empty
    /// `bytes` write nothing and succeed.
    static func write(_ bytes: UnsafeRawBufferPointer, to bio: OpaquePointer) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        var written = 0
        return BIO_write_ex(bio, base, bytes.count, &written) == 1 && written == bytes.count
    }

    /// Runs `body` with a BIO reading the file at `path`. A directory is refused with the system's reason ("Is a
    /// directory"), which OpenSSL would open and then report as "no start line"; a pipe or `/dev/stdin` is read.
    static func reading<T>(file path: String, _ body: (OpaquePointer) throws(TLSError) -> T) throws(TLSError) -> T {
        var status = stat()
        if stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
            throw .configurationFailed(
                OpenSSLError(operation: "opening \(path)", reasons: [String(cString: strerror(EISDIR))]))
        }
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "rb") else {
            throw .configurationFailed(.drainingErrorQueue(operation: "opening \(path)"))
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }

    /// Runs `body` with an empty memory BIO and returns what it wrote there.
    static func collecting(_ body: (OpaquePointer) throws(TLSError) -> Void) throws(TLSError) -> [UInt8] {
        ERR_clear_error()
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .configurationFailed(.drainingErrorQueue(operation: "allocating a memory BIO"))
        }
        defer { BIO_free(bio) }
        try body(bio)
        return contents(of: bio)
    }

    /// What `body` wrote to a memory BIO, as text; empty if it failed. Errors OpenSSL queues meanwhile are
    /// dropped and earlier ones kept, so this can run inside another operation (a verification callback).
    static func text(_ body: (OpaquePointer) -> Void) -> String {
        ERR_set_mark()
        defer { ERR_pop_to_mark() }
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        body(bio)
        return String(decoding: contents(of: bio), as: UTF8.self)
    }

    /// Everything waiting in the memory BIO `bio`.
    private static func contents(of bio: OpaquePointer) -> [UInt8] {
        let count = Int(BIO_ctrl_pending(bio))
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = count == 0 ? 0 : Int(max(0, BIO_read(bio, buffer.baseAddress, Int32(count))))
        }
    }
}
