#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mode and owner of a private key file, judged by libpq's rule (`initialize_SSL` in fe-secure-openssl.c), which
/// both pgw's client and `pgw certs check` apply: a key owned by root may have at most group read (0640 or
/// stricter); a key owned by anyone else, the current user or not, no group or world access at all (0600 or
/// stricter). libpq does not check the owner otherwise: a key the process can read with such a mode is used.
public struct PrivateKeyFilePermissions: Sendable, Equatable {
    /// The file's `st_mode` (type and permission bits).
    public var mode: mode_t
    /// The file's owner.
    public var owner: uid_t

    /// The permissions `mode` and `owner`.
    public init(mode: mode_t, owner: uid_t) {
        self.mode = mode
        self.owner = owner
    }

    /// The permissions of the file at `path` (following symbolic links, as libpq's `stat`), or `nil` with
    /// `errno` set when it cannot be read.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(mode: status.st_mode, owner: status.st_uid)
    }

    /// Whether the file is a regular file, as libpq requires.
    public var isRegularFile: Bool { mode & S_IFMT == S_IFREG }

    /// The group and world permission bits libpq refuses for this owner: all but group read for root, all for
    /// anyone else (the owner's own bits are not checked).
    public var refusedPermissions: mode_t {
        owner == 0 ? S_IWGRP | S_IXGRP | S_IRWXO : S_IRWXG | S_IRWXO
    }

    /// Whether libpq refuses the key for group or world access (any of ``refusedPermissions``).
    public var hasTooMuchAccess: Bool { mode & refusedPermissions != 0 }

    /// PostgreSQL's refusal of its server key file at `path` with these permissions, for a server running as
    /// `effectiveUser` (`check_ssl_key_file_permissions` in be-secure-common.c): the same rule as libpq's, and the
    /// key must be owned by that user or root; `nil` when PostgreSQL loads it. Its message and DETAIL.
    public func serverRefusal(path: String, effectiveUser: uid_t = geteuid()) -> (message: String, detail: String?)? {
        if !isRegularFile {
            return ("private key file \"\(path)\" is not a regular file", nil)
        }
        if owner != effectiveUser && owner != 0 {
            return ("private key file \"\(path)\" must be owned by the database user or root", nil)
        }
        if hasTooMuchAccess {
            return (
                "private key file \"\(path)\" has group or world access",
                "File must have permissions u=rw (0600) or less if owned by the database user, or permissions "
                    + "u=rw,g=r (0640) or less if owned by root."
            )
        }
        return nil
    }

    /// libpq's error for a key file at `path` with these permissions (without its final newline), or `nil` when
    /// libpq uses it.
    public func libpqError(path: String) -> String? {
        if !isRegularFile {
            return "private key file \"\(path)\" is not a regular file"
        }
        if hasTooMuchAccess {
            return "private key file \"\(path)\" has group or world access; file must have permissions u=rw (0600) "
                + "or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root"
        }
        return nil
    }
}
