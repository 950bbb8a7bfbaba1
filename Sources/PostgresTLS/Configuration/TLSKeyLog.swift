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

    /// Opens `path` for appending as ``PrivateAppendFile`` does: created with mode 0600, an existing file made
    /// private, never through a symbolic link.
    public init(path: String) throws(TLSError) {
        let descriptor: Int32
        do {
            descriptor = try PrivateAppendFile.open(path)
        } catch {
            throw .configurationFailed(OpenSSLError(operation: "opening the key log", reasons: [error.description]))
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
