import Foundation
import PostgresWire

/// A PEM file that `pgw certs generate` writes, with the mode it must have.
struct CertsFile {
    var name: String
    var text: String
    var mode: mode_t

    /// Writes `files` into `directory` as one set: every file first goes to a new temporary file in the same
    /// directory (`O_CREAT | O_EXCL | O_NOFOLLOW`, created with its final mode, so a key is never readable by
    /// others, and synced), and only when all are written are they renamed into place. A failure before then
    /// leaves the old files as they were. Names are replaced, never followed: a symbolic link at a destination
    /// is itself replaced (with `replacing`) or makes the write fail (without).
    static func writeSet(_ files: [CertsFile], into directory: String, replacing: Bool) throws(CommandFailure) {
        // Temporary files not (or not yet) renamed are removed on the way out.
        var temporaries: [String] = []
        var renamed: Set<String> = []
        defer { for path in temporaries where !renamed.contains(path) { unlink(path) } }
        for file in files {
            temporaries.append(try file.writeTemporary(in: directory))
        }
        let destinations = files.map { "\(directory)/\($0.name)" }
        // A directory in the way would stop the renames part-way; find it before the first.
        for destination in destinations where replacing {
            var status = stat()
            if lstat(destination, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
                throw CommandFailure("cannot replace \(destination): \(String(cString: strerror(EISDIR)))")
            }
        }
        var placed: [String] = []
        for (temporary, destination) in zip(temporaries, destinations) {
            // link(2) fails on an existing name, symbolic links included; rename(2) replaces the name itself.
            let result = replacing ? rename(temporary, destination) : link(temporary, destination)
            guard result == 0 else {
                let reason = String(cString: strerror(errno))
                if !replacing { for path in placed { unlink(path) } }
                throw CommandFailure("cannot write \(destination): \(reason)")
            }
            placed.append(destination)
            if replacing { renamed.insert(temporary) }
        }
        syncDirectory(directory)
    }

    /// Writes the file under a new name in `directory` and returns that path.
    private func writeTemporary(in directory: String) throws(CommandFailure) -> String {
        guard let file = SiblingTemporaryFile(beside: "\(directory)/\(name)", mode: mode) else {
            throw CommandFailure("cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        let (path, descriptor) = (file.path, file.descriptor)
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        // The umask may have taken bits away; the mode must be exactly `mode`.
        var failed = fchmod(descriptor, mode) != 0
        while !failed && written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            failed = count <= 0
            written += max(count, 0)
        }
        guard !failed, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw CommandFailure("cannot write \(directory)/\(name): \(reason)")
        }
        return path
    }

    /// Makes the renames durable.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
