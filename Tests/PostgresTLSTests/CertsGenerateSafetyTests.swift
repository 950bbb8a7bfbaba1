import Foundation
import PostgresTLS
import PostgresTestSupport
import Testing

/// `pgw certs generate` against hostile destinations and out-of-range options.
@Suite("pgw certs generate: atomic sets, symbolic links, validated options")
struct CertsGenerateSafetyTests {
    private static func generate(_ directory: URL, _ options: [String]) async throws -> ProcessOutcome {
        try await PGWExecutable.run(["certs", "generate", "--dir", directory.path] + options)
    }

    /// The regular files in `directory` and their bytes.
    private static func contents(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending(path: name).path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files[name] = try Data(contentsOf: directory.appending(path: name))
        }
        return files
    }

    @Test("a --dir that cannot be created is named with the system's reason and a hint")
    func uncreatableDirectories() async throws {
        let outside = try CertsPGW.temporaryDirectory()
        let file = outside.appending(path: "a-file")
        try Data("x\n".utf8).write(to: file)
        let existingFile = try await Self.generate(file, ["--server-name", "db.pgw-certs.test"])
        #expect(existingFile.status == 1)
        #expect(
            existingFile.standardError.contains("cannot create directory \"\(file.path)\": File exists\nhint: "),
            "\(existingFile)")
        #expect(!existingFile.standardError.contains("NSCocoaErrorDomain"), "\(existingFile)")
        let underFile = file.appending(path: "certs")
        let notDirectory = try await Self.generate(underFile, ["--server-name", "db.pgw-certs.test"])
        #expect(
            notDirectory.standardError.contains("cannot create directory \"\(underFile.path)\": Not a directory"),
            "\(notDirectory)")
        // Nested missing directories are created.
        let nested = outside.appending(path: "one/two")
        let created = try await Self.generate(nested, ["--server-name", "db.pgw-certs.test"])
        #expect(created.succeeded, "\(created)")
    }

    @Test(
        "a --dir the user may not create says Permission denied",
        .enabled(if: geteuid() == 0 && getpwnam("nobody") != nil, "needs root to run pgw as nobody"))
    func permissionDenied() async throws {
        let outside = try CertsPGW.temporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: outside.path)
        let target = outside.appending(path: "certs").path
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("runuser"),
            [
                "-u", "nobody", "--", try PGWExecutable.url().path, "certs", "generate", "--dir", target,
                "--server-name", "db.pgw-certs.test",
            ],
            timeout: .seconds(60)
        ).run()
        #expect(outcome.status == 1)
        #expect(
            outcome.standardError.contains("cannot create directory \"\(target)\": Permission denied\nhint: "),
            "\(outcome)")
    }

    @Test("symbolic links at destinations are replaced, never written through, and refused without --force")
    func symbolicLinksAreNotFollowed() async throws {
        let directory = try await CertsPGW.generate(serverName: "db.pgw-certs.test")
        let outside = try CertsPGW.temporaryDirectory()
        let precious = outside.appending(path: "precious.key")
        try Data("precious\n".utf8).write(to: precious)
        let dangling = outside.appending(path: "created-through-link")
        for (name, target) in [("server.key", precious), ("ca.key", dangling)] {
            try FileManager.default.removeItem(at: directory.appending(path: name))
            try FileManager.default.createSymbolicLink(at: directory.appending(path: name), withDestinationURL: target)
        }

        let refused = try await Self.generate(directory, ["--server-name", "db.pgw-certs.test"])
        #expect(refused.status == 1 && refused.standardError.contains("--force"), "\(refused)")
        let forced = try await Self.generate(directory, ["--server-name", "db.pgw-certs.test", "--force"])
        #expect(forced.succeeded, "\(forced)")

        #expect(try String(contentsOf: precious, encoding: .utf8) == "precious\n")
        #expect(!FileManager.default.fileExists(atPath: dangling.path))
        for name in ["server.key", "ca.key"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending(path: name).path)
            #expect(attributes[.type] as? FileAttributeType == .typeRegular, "\(name)")
            #expect(attributes[.posixPermissions] as? Int == 0o600, "\(name)")
        }
        _ = try TLSIdentity(
            certificateChainFile: directory.appending(path: "server.crt").path,
            privateKeyFile: directory.appending(path: "server.key").path)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "ca.crt", "ca.key", "server.crt", "server.key",
            ])
    }

    @Test("a failure part-way leaves the old set as it was, and no temporary files")
    func failureLeavesTheOldSet() async throws {
        let directory = try await CertsPGW.generate(serverName: "db.pgw-certs.test")
        // A directory where alice.key would go: the last file of the set cannot be placed.
        try FileManager.default.createDirectory(
            at: directory.appending(path: "alice.key"), withIntermediateDirectories: false)
        let before = try Self.contents(directory)
        let failed = try await Self.generate(
            directory, ["--server-name", "other.pgw-certs.test", "--client", "alice", "--force"])
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.standardError.contains("alice.key") && failed.standardError.contains("Is a directory"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["alice.key", "ca.crt", "ca.key", "server.crt", "server.key"])
        #expect(before.count == 4)
        for (name, data) in before {
            #expect(try Data(contentsOf: directory.appending(path: name)) == data, "\(name) changed")
        }
    }

    @Test(
        "--days outside 1…36500 is a usage error", arguments: ["0", "-1", "36501", "100000000", "9223372036854775807"])
    func daysOutOfRange(days: String) async throws {
        let directory = try CertsPGW.temporaryDirectory()
        let outcome = try await Self.generate(directory, ["--server-name", "db.test", "--days", days])
        #expect(outcome.status == 64 && outcome.standardError.contains("--days"), "\(outcome)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("--days 36500 makes certificates OpenSSL reads, valid for 100 years")
    func longestValidity() async throws {
        let directory = try CertsPGW.temporaryDirectory()
        let outcome = try await Self.generate(directory, ["--server-name", "db.test", "--days", "36500"])
        #expect(outcome.succeeded, "\(outcome)")
        let server = try #require(try TLSCertificate.chain(pemFile: directory.appending(path: "server.crt").path).first)
        let years = server.info.notAfter.timeIntervalSince(server.info.notBefore) / (365.25 * 86400)
        #expect((99.9...100.1).contains(years), "\(years)")
    }

    @Test(
        "a --server-name that is neither a DNS name nor an IP address is a usage error",
        arguments: [
            "a b", "a..b", "db.test.", "-db.test", "db-.test", "a*.db.test", "*", "*.", "exa_mple.test", "",
            "db.test/x", String(repeating: "a", count: 64) + ".test", "1.2.3.4.5:1",
        ])
    func badServerNames(name: String) async throws {
        let directory = try CertsPGW.temporaryDirectory()
        let outcome = try await Self.generate(directory, ["--server-name", name])
        #expect(outcome.status == 64 && outcome.standardError.contains("--server-name"), "\(outcome)")
    }

    @Test("DNS names, a *. wildcard and IPv4 and IPv6 addresses are accepted")
    func goodServerNames() async throws {
        let directory = try CertsPGW.temporaryDirectory()
        let names = ["db-1.example.test", "*.db.test", "127.0.0.1", "::1", "localhost"]
        let outcome = try await Self.generate(directory, names.flatMap { ["--server-name", $0] })
        #expect(outcome.succeeded, "\(outcome)")
        let server = try #require(try TLSCertificate.chain(pemFile: directory.appending(path: "server.crt").path).first)
        #expect(
            server.info.subjectAlternativeNames == [
                .dnsName("db-1.example.test"), .dnsName("*.db.test"), .ipAddress("127.0.0.1"), .ipAddress("::1"),
                .dnsName("localhost"),
            ])
    }
}
