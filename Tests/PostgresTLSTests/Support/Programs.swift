import Foundation
import PostgresTestSupport

/// The external programs the real-peer tests run; each lookup fails naming the program when it is missing.
enum Programs {
    /// The `openssl` command-line tool.
    static func openssl() throws -> URL { try PostgresInstallation.executableOnPath("openssl") }

    /// `psql` from the newest PostgreSQL installation.
    static func psql() throws -> URL { try PostgresInstallation().executable("psql") }

    /// An environment for libpq programs that reads nothing from the user's home (`~/.postgresql`, `.pgpass`).
    static func libpqEnvironment(home: URL) -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path, "LANG": "C"]
    }
}
