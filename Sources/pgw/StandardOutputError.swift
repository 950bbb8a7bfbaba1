import Foundation

/// Standard output cannot be written: the reader has gone (EPIPE), the disk is full, or another system error.
struct StandardOutputError: Error, CustomStringConvertible {
    /// The `errno` of the failed write.
    var errorNumber: Int32

    /// `cannot write to standard output: <reason>`.
    var description: String { "cannot write to standard output: \(String(cString: strerror(errorNumber)))" }
}
