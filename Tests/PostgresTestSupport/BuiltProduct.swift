import Foundation

/// The package's executable products, built into the same products directory as the test bundle.
public enum BuiltProduct {
    /// Where the built executable product `name` is (`pgw`, `EchoServerExample`, …).
    public static func url(named name: String) throws -> URL {
        let bundles = [Bundle.main.executableURL, Bundle.main.bundleURL] + Bundle.allBundles.map(\.bundleURL)
        let directories = bundles.compactMap { $0 }.filter { $0.pathExtension == "xctest" }
            .map { $0.deletingLastPathComponent() }
        for directory in directories {
            let candidate = directory.appending(path: name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw TestSupportError.missingPrerequisite(
            "the \(name) executable next to the test bundle (looked in: "
                + "\(directories.map(\.path).joined(separator: ", "))); build it with 'swift build --build-tests'")
    }
}

/// The `pgw` command-line tool, built into the same products directory as the test bundle.
public enum PGWExecutable {
    /// Runs `pgw` with `arguments`, feeding it `standardInput` (nothing when `nil`).
    public static func run(_ arguments: [String], standardInput: String? = nil) async throws -> ProcessOutcome {
        try await SubprocessCommand(
            try url(), arguments, standardInput: standardInput.map { Data($0.utf8) }, timeout: .seconds(60)
        ).run()
    }

    /// Where the built `pgw` is.
    public static func url() throws -> URL {
        try BuiltProduct.url(named: "pgw")
    }
}
