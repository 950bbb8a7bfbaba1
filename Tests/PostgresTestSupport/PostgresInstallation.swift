import Foundation

/// Locates the PostgreSQL server and client programs on this machine.
///
/// Programs are looked up in the newest `/usr/lib/postgresql/<version>/bin` first, then on `PATH`.
public struct PostgresInstallation: Sendable {
    /// Directories searched for programs, in order of preference.
    public let searchDirectories: [URL]

    /// The installation found on this machine now.
    public init() {
        var directories: [URL] = []
        if let versioned = Self.newestVersionedBinDirectory() {
            directories.append(versioned)
        }
        directories += Self.pathDirectories()
        searchDirectories = directories
    }

    /// The program named `name`, or an error naming it when it cannot be found.
    public func executable(_ name: String) throws -> URL {
        if let url = Self.firstExecutable(named: name, in: searchDirectories) {
            return url
        }
        let searched = searchDirectories.map(\.path).joined(separator: ":")
        throw TestSupportError.missingPrerequisite(
            "PostgreSQL program '\(name)' (searched /usr/lib/postgresql/*/bin and PATH: \(searched))"
        )
    }

    /// The program named `name` on `PATH`, or in the system directories root's `PATH` usually has;
    /// an error naming it otherwise.
    public static func executableOnPath(_ name: String) throws -> URL {
        let systemDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"].map {
            URL(filePath: $0, directoryHint: .isDirectory)
        }
        if let url = firstExecutable(named: name, in: pathDirectories() + systemDirectories) {
            return url
        }
        throw TestSupportError.missingPrerequisite("program '\(name)' on PATH")
    }

    private static func firstExecutable(named name: String, in directories: [URL]) -> URL? {
        directories
            .map { $0.appending(path: name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    private static func pathDirectories() -> [URL] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { URL(filePath: String($0), directoryHint: .isDirectory) }
    }

    private static func newestVersionedBinDirectory() -> URL? {
        let root = "/usr/lib/postgresql"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            return nil
        }
        let newest =
            entries
            .compactMap { entry -> (version: [Int], name: String)? in
                let version = entry.split(separator: ".").compactMap { Int($0) }
                guard !version.isEmpty,
                    FileManager.default.isExecutableFile(atPath: "\(root)/\(entry)/bin/postgres")
                else { return nil }
                return (version, entry)
            }
            .max { $0.version.lexicographicallyPrecedes($1.version) }
        return newest.map { URL(filePath: "\(root)/\($0.name)/bin", directoryHint: .isDirectory) }
    }
}
