import Foundation

/// The built `pgw` tool, next to the test bundle in the build products directory, for the `pgw certs` tests.
enum CertsPGW {
    /// Runs `pgw` with `arguments` and reports how it ended.
    static func run(_ arguments: [String]) async throws -> ProcessOutcome {
        try await SubprocessCommand(try url(), arguments, timeout: .seconds(60)).run()
    }

    /// Where the built `pgw` is; fails naming the directories searched when it is not there.
    static func url() throws -> URL {
        let bundles = [Bundle.main.executableURL, Bundle.main.bundleURL] + Bundle.allBundles.map(\.bundleURL)
        let directories = bundles.compactMap { $0 }.filter { $0.pathExtension == "xctest" }
            .map { $0.deletingLastPathComponent() }
        if let found = directories.map({ $0.appending(path: "pgw") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        {
            return found
        }
        let searched = directories.map(\.path).joined(separator: ", ")
        throw TLSTestError.missingPrerequisite(
            "the pgw executable next to the test bundle (looked in: \(searched)); "
                + "build it with 'swift build --build-tests'")
    }

    /// A new empty directory for one test's files, readable by the `postgres` user. It lies in this process's
    /// root directory, which is deleted once the process has gone, after any PostgreSQL server whose data
    /// directory is inside has been stopped.
    static func temporaryDirectory() throws -> URL {
        let directory = try root.get().appending(path: UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private static let root = Result { () throws -> URL in
        let root = URL(filePath: "/tmp").appending(path: "pgw-certs-tests-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let watchdog = Process()
        watchdog.executableURL = URL(filePath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            for pidfile in '\(root.path)'/*/data/postmaster.pid; do
                [ -f "$pidfile" ] && kill -QUIT "$(head -n 1 "$pidfile")" 2>/dev/null
            done
            sleep 1
            rm -rf '\(root.path)'
            """,
        ]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        return root
    }

    /// Runs `pgw certs generate` into a new directory and returns it.
    static func generate(serverName: String, clients: [String] = []) async throws -> URL {
        let directory = try temporaryDirectory()
        let outcome = try await run(
            ["certs", "generate", "--dir", directory.path, "--server-name", serverName]
                + clients.flatMap { ["--client", $0] })
        guard outcome.succeeded else { throw TLSTestError.commandFailed("pgw certs generate", outcome) }
        return directory
    }
}
