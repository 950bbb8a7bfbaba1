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
    public static func drainingErrorQueue(operation: String) -> OpenSSLError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else if code & systemErrorFlag != 0 {
                reasons.append(String(cString: strerror(Int32(code & ~systemErrorFlag))))
            } else {
                reasons.append("error 0x" + String(code, radix: 16))
            }
        }
        return OpenSSLError(operation: operation, reasons: reasons)
    }

    /// The operation followed by OpenSSL's reasons.
    public var description: String {
        reasons.isEmpty ? "\(operation) failed" : "\(operation) failed: \(reasons.joined(separator: "; "))"
    }
}

/// OpenSSL 3's `ERR_SYSTEM_FLAG`: set on error codes that carry an `errno` value, which have no reason string.
private let systemErrorFlag: UInt = 0x8000_0000
