import Foundation

/// An input of `pgw decode` that cannot be opened or read: its name and the system's reason.
struct DecodeInputError: Error, CustomStringConvertible {
    /// The path in quotes, or "standard input".
    var name: String
    /// The `errno` of the failed call.
    var errorNumber: Int32

    /// `cannot read 'PATH': <reason>`.
    var description: String { "cannot read \(name): \(String(cString: strerror(errorNumber)))" }

    /// What to do about it.
    var hint: String {
        switch errorNumber {
        case EISDIR: "give a capture file, a pipe or FIFO, or '-' for standard input"
        case ENOENT: "check the path; --frontend and --backend take the captured bytes of one connection"
        case EACCES, EPERM: "check the file's permissions"
        default: "--frontend and --backend take a capture file, a pipe or FIFO, or '-' for standard input"
        }
    }
}
