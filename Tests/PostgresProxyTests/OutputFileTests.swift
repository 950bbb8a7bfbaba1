import Foundation
import PostgresTestSupport
import Testing

/// The files pgw logs to as it goes (`proxy --output`, `--pcap`, `--keylog`, `serve --log`) behave alike: appended
/// to, never truncated; created with mode 0600; an existing file open to others made private; a symbolic link
/// refused in words.
@Suite(.timeLimit(.minutes(2)))
struct OutputFileTests {
    /// Each logging option: the `pgw` arguments before the file's path, and after it.
    static let options: [(before: [String], after: [String])] = [
        (["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--output"], []),
        (["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--format", "none", "--pcap"], []),
        (["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--format", "none", "--keylog"], []),
        (["serve", "-p", "0", "--log"], []),
    ]

    /// Runs `body` with a new temporary directory, removed afterwards.
    static func inDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// The permission bits of `path`.
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Runs `pgw` with logging option number `option` writing to `path` until it listens, then stops it.
    static func runUntilListening(option: Int, path: String) async throws {
        let arguments = options[option].before + [path] + options[option].after
        let (process, _) = try await ListeningProcess.start(try PGWExecutable.url(), arguments)
        process.terminate()
        try await offPool { process.waitUntilExit() }
        #expect(process.terminationStatus == 0, "\(arguments)")
    }

    /// A new file is created 0600; a file an earlier run wrote, with more after it and mode 0644, keeps all it had
    /// and becomes 0600.
    @Test(arguments: 0..<options.count)
    func appendsAndMakesAnExistingFilePrivate(option: Int) async throws {
        try await Self.inDirectory { directory in
            let path = directory.appending(path: "output").path
            try await Self.runUntilListening(option: option, path: path)
            #expect(try Self.mode(path) == 0o600)
            let earlier = try Data(contentsOf: URL(fileURLWithPath: path)) + Data("earlier\n".utf8)
            try earlier.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try await Self.runUntilListening(option: option, path: path)
            #expect(try Self.mode(path) == 0o600)
            let kept = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(kept.starts(with: earlier), "truncated: \(kept.count) bytes, \(earlier.count) before")
        }
    }

    /// `--pcap` goes on with a capture an earlier run wrote (above) but leaves any other file as it is.
    @Test func pcapRefusesAFileThatIsNoCapture() async throws {
        try await Self.inDirectory { directory in
            let path = directory.appending(path: "notes.txt").path
            try Data("notes\n".utf8).write(to: URL(fileURLWithPath: path))
            let outcome = try await PGWExecutable.run(Self.options[1].before + [path])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(
                outcome.standardError.contains("--pcap: '\(path)' is not a capture pgw proxy wrote"), "\(outcome)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("notes\n".utf8))
        }
    }

    /// `--record` into a directory that does not exist (or into a directory) is refused at startup, not after a
    /// session whose recording is then lost.
    @Test func recordIntoAMissingDirectoryIsRefusedAtStartup() async throws {
        try await Self.inDirectory { directory in
            let path = directory.appending(path: "missing/r.yaml").path
            let outcome = try await PGWExecutable.run(
                ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--record", path])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(
                outcome.standardError.contains(
                    "--record: cannot create files in the directory '\(directory.appending(path: "missing").path)': "
                        + "No such file or directory"), "\(outcome)")
            let intoDirectory = try await PGWExecutable.run(
                ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--record", directory.path])
            #expect(intoDirectory.status == 1, "\(intoDirectory)")
            #expect(intoDirectory.standardError.contains("is a directory; give a file name"), "\(intoDirectory)")
        }
    }

    /// Another user's file open to others is refused, not changed, even when pgw runs as root (as the tests do:
    /// then the file is given to the `postgres` user; as another user, root's `/etc/passwd` stands in).
    @Test(arguments: 0..<options.count)
    func refusesAnotherUsersFileWithoutChangingIt(option: Int) async throws {
        try await Self.inDirectory { directory in
            let path = directory.appending(path: "theirs.log").path
            try Data().write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            if geteuid() == 0 {
                let postgres = try #require(getpwnam("postgres"), "the postgres user (PostgreSQL's package makes it)")
                #expect(chown(path, postgres.pointee.pw_uid, postgres.pointee.pw_gid) == 0)
            }
            let theirs = geteuid() == 0 ? path : "/etc/passwd"
            let outcome = try await PGWExecutable.run(
                Self.options[option].before + [theirs] + Self.options[option].after)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.standardError.contains("it belongs to another user"), "\(outcome)")
            #expect(try Self.mode(theirs) == 0o644)
        }
    }

    @Test(arguments: 0..<options.count)
    func refusesASymbolicLinkInWords(option: Int) async throws {
        try await Self.inDirectory { directory in
            let target = directory.appending(path: "target.log").path
            let link = directory.appending(path: "link.log").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            let outcome = try await PGWExecutable.run(Self.options[option].before + [link] + Self.options[option].after)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(
                outcome.standardError.contains(
                    "'\(link)' is a symbolic link; pgw does not write through symbolic links"),
                "\(outcome)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(outcome)")
        }
    }
}
