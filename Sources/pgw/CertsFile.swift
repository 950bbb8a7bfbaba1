import Foundation

/// A PEM file that `pgw certs generate` writes, with the mode it must have.
struct CertsFile {
    var name: String
    var text: String
    var mode: mode_t

    /// Writes the file with exactly `mode`, failing if it exists unless `replacing`; a key is never readable by
    /// others, not even for a moment.
    func write(to path: String, replacing: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, mode)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        // An existing file keeps its old mode through open(2); and the umask may have taken bits away.
        guard fchmod(descriptor, mode) == 0,
            bytes.withUnsafeBytes({ Foundation.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count
        else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
