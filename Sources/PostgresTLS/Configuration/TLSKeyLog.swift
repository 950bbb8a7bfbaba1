#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file receiving TLS secrets in the `SSLKEYLOGFILE` format, so that Wireshark can decrypt a capture.
///
/// Anyone who can read this file can decrypt the logged connections: enable it only for debugging.
public final class TLSKeyLog: Sendable {
    /// The file's path.
    public let path: String
    private let descriptor: Int32

    /// Opens (creating with mode 0600 if needed) `path` for appending, never through a symbolic link.
    public init(path: String) throws(TLSError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw .configurationFailed(OpenSSLError(operation: "opening the key log \(path)", reasons: [reason]))
        }
        self.path = path
        self.descriptor = descriptor
    }

    /// The key log named by the `SSLKEYLOGFILE` environment variable, or `nil` when it is unset or empty.
    public static func fromEnvironment() throws(TLSError) -> TLSKeyLog? {
        guard let path = getenv("SSLKEYLOGFILE").map({ String(cString: $0) }), !path.isEmpty else { return nil }
        return try TLSKeyLog(path: path)
    }

    deinit { close(descriptor) }

    /// Appends one line; a single `write` on an `O_APPEND` file keeps concurrent lines whole.
    func append(_ line: UnsafePointer<CChar>) {
        var bytes = Array(UnsafeBufferPointer(start: line, count: strlen(line)).map { UInt8(bitPattern: $0) })
        bytes.append(UInt8(ascii: "\n"))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
