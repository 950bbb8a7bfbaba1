#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A new file beside another, for writing that file atomically (write it, then rename it over the other): created
/// exclusively with `O_EXCL | O_NOFOLLOW` (never through a symbolic link someone planted) under a name no one can
/// guess (`.NAME.RANDOM.tmp`), with the mode asked for. The pgw tools write every file they replace this way.
package struct SiblingTemporaryFile {
    /// The new file's path.
    package let path: String
    /// Its open descriptor (write only, close-on-exec).
    package let descriptor: Int32

    /// Creates the file beside `destination` with `mode`; `nil` with `errno` set when it cannot be (after a few
    /// names, should one be taken).
    package init?(beside destination: String, mode: mode_t = 0o600) {
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[...$0]) } ?? ""
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        for _ in 0..<8 {
            let candidate = "\(directory).\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if descriptor >= 0 {
                path = candidate
                self.descriptor = descriptor
                return
            }
            guard errno == EEXIST else { return nil }
        }
        return nil
    }
}
