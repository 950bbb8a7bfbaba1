import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An error reported by OpenSSL, with the reasons from its error queue.
public struct OpenSSLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What pgw was doing when OpenSSL failed, such as `"loading the certificate chain"`.
    public var operation: String
    /// OpenSSL's reason strings, oldest first (for example `"certificate verify failed"`).
    public var reasons: [String]

    /// Creates an error for `operation` with the given reasons.
    public init(operation: String, reasons: [String]) {
        self.operation = operation
        self.reasons = reasons
    }

    /// Creates an error for `operation` from, and clearing, this thread's OpenSSL error queue.
    ///
    /// Each reason is told once (a failed decryption queues "bad decrypt" twice). When the queue holds a system
    /// error (a file that cannot be opened), its `strerror` text is the reason and OpenSSL's entries about it
    /// ("system lib", "no such file") are left out, as they only repeat it.
    public static func drainingErrorQueue(operation: String) -> OpenSSLError {
        var reasons: [String] = []
        var systemReasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            if code & systemErrorFlag != 0 {
                systemReasons.append(String(cString: strerror(Int32(code & ~systemErrorFlag))))
            } else if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("error 0x" + String(code, radix: 16))
            }
        }
        var seen = Set<String>()
        let unique = (systemReasons.isEmpty ? reasons : systemReasons).filter { seen.insert($0).inserted }
        return OpenSSLError(operation: operation, reasons: unique)
    }

    /// The operation followed by OpenSSL's reasons.
    public var description: String {
        reasons.isEmpty ? "\(operation) failed" : "\(operation) failed: \(reasons.joined(separator: "; "))"
    }
}

/// OpenSSL 3's `ERR_SYSTEM_FLAG`: set on error codes that carry an `errno` value, which have no reason string.
private let systemErrorFlag: UInt = 0x8000_0000
