#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way pgw opens a file it logs to as it goes (the proxy's `--output`, `--pcap` and `--keylog`, serve's
/// `--log`): appended to, as pgbouncer appends to its logfile, never truncated; never through a symbolic link; and
/// private, as these files hold statements, data, passwords or TLS secrets.
///
/// A new file is created with mode 0600. An existing regular file that its group or others may use is tightened to
/// its owner's bits (0644 becomes 0600); when it is someone else's (even for root, who could change it) or that
/// fails, it is refused. A device or a
/// pipe (`/dev/null`, a FIFO) is written as it is.
public enum PrivateAppendFile {
    /// A write-only descriptor appending to `path`, which the caller closes.
    public static func open(_ path: String) throws(OutputFileError) -> Int32 {
        let descriptor = systemOpen(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            var status = stat()
            // O_NOFOLLOW fails with ELOOP at a symbolic link, which strerror calls "Too many levels of symbolic links".
            if code == ELOOP && lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK {
                throw OutputFileError("'\(path)' is a symbolic link; pgw does not write through symbolic links")
            }
            throw OutputFileError("cannot open '\(path)' for writing: \(String(cString: strerror(code)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return descriptor }
        let mode = status.st_mode & 0o7777
        guard status.st_mode & S_IFMT == S_IFREG && mode & 0o077 != 0 else { return descriptor }
        // Another user's file is never changed, even by root (who could): it is refused.
        let reason: String? =
            status.st_uid != geteuid()
            ? "it belongs to another user (uid \(status.st_uid))"
            : fchmod(descriptor, mode & 0o700) != 0 ? String(cString: strerror(errno)) : nil
        if let reason {
            close(descriptor)
            throw OutputFileError(
                "'\(path)' has mode 0\(String(mode, radix: 8)), open to others, and pgw cannot make it private "
                    + "(0\(String(mode & 0o700, radix: 8))): \(reason)")
        }
        return descriptor
    }
}

/// `open(2)`, named apart from ``PrivateAppendFile/open(_:)``.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
