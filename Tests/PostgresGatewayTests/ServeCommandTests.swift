import Foundation
import PostgresAuthentication
import PostgresTestSupport
import Testing

/// `pgw serve` as a user runs it: a process that prints its address, serves clients and shuts down on SIGTERM.
@Suite(.timeLimit(.minutes(2)))
struct ServeCommandTests {
    /// Starts `pgw serve --port 0` with `arguments` (its standard error inherited) and returns it with the first
    /// line it printed, read as a script reads it.
    static func launch(_ arguments: [String]) async throws -> (Process, String) {
        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["serve", "--port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = try await offPool { try ListeningProcess.firstLine(of: output.fileHandleForReading) }
        return (process, text)
    }

    /// The "listening on" line writes an IPv6 address in brackets (`[::1]:PORT`, usable in a URL); `-h '*'` listens
    /// on every address, IPv4 and IPv6, as PostgreSQL's `listen_addresses = '*'`.
    @Test(arguments: [("::1", "[::1]:", ["::1"]), ("*", "[::]:", ["127.0.0.1", "::1"])])
    func listeningLineAndEveryAddress(host: String, shown: String, reachable: [String]) async throws {
        let (process, text) = try await Self.launch(["-h", host])
        defer { if process.isRunning { process.terminate() } }
        #expect(text.hasPrefix("listening on \(shown)"), "\(text)")
        let address = String(text.dropFirst("listening on ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        let psql = try PostgresInstallation.executableOnPath("psql")
        for client in reachable {
            let outcome = try await SubprocessCommand(
                psql, ["-X", "-tA", "-c", "select 42", "host=\(client) port=\(port) user=alice dbname=x"],
                timeout: .seconds(30)
            ).run()
            #expect(outcome.succeeded && outcome.standardOutput == "42\n", "\(client): \(outcome)")
        }
        if host == "::1" {
            // The line as printed is a URL's host and port.
            let outcome = try await SubprocessCommand(
                psql, ["-X", "-tA", "-c", "select 7", "postgresql://alice@\(address)/x"], timeout: .seconds(30)
            ).run()
            #expect(outcome.standardOutput == "7\n", "\(outcome)")
        }
    }

    @Test(arguments: ["password", "md5", "scram-sha-256"])
    func servesClientsWithEachPasswordMethod(auth: String) async throws {
        let (process, text) = try await Self.launch(["--auth", auth, "--user", "alice:secret"])
        defer { if process.isRunning { process.terminate() } }
        // The first line is "listening on HOST:PORT".
        #expect(text.hasPrefix("listening on 127.0.0.1:"), "\(text)")
        let port = try #require(
            Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))

        let psql = try PostgresInstallation.executableOnPath("psql")
        func query(_ password: String) async throws -> ProcessOutcome {
            var environment = ProcessInfo.processInfo.environment
            environment["PGPASSWORD"] = password
            return try await SubprocessCommand(
                psql,
                [
                    "-X", "-tA", "-c", "begin", "-c", "select version()", "-c", "commit",
                    "host=127.0.0.1 port=\(port) user=alice dbname=x",
                ],
                environment: environment,
                timeout: .seconds(30)
            ).run()
        }
        let right = try await query("secret")
        #expect(right.standardOutput == "BEGIN\nPostgreSQL 18.0 (pgw) on pgw\nCOMMIT\n", "\(right)")
        let wrong = try await query("nope")
        #expect(wrong.standardError.contains("password authentication failed for user \"alice\""), "\(wrong)")

        process.terminate()
        try await offPool { process.waitUntilExit() }
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// Script users given as an md5 hash or a SCRAM verifier, as `pgw certs` makes them, log in with their password,
    /// as PostgreSQL's roles do, and not with the hash itself; the cleartext method checks both forms.
    @Test(arguments: [("md5", "md5"), ("scram-sha-256", "scram"), ("password", "md5"), ("password", "scram")])
    func scriptUsersMayBeStoredAsHashesOrVerifiers(auth: String, form: String) async throws {
        let stored =
            form == "md5"
            ? MD5Password.storedHash(user: "alice", password: "secret")
            : SCRAMVerifier.make(password: "secret").stringValue
        let script = "server:\n  auth: \(auth)\n  users: {alice: \"\(stored)\"}\n"
        let server = try await ServeProcess(
            ["--script", try ServeStackTests.file("users.yaml", script), "--log-level", "info"],
            capturingStandardError: true)
        let right = try await ServeStackTests.run(
            "psql", ["-X", "-tA", "-c", "select 1", "password=secret"], port: server.port)
        #expect(right.succeeded && right.standardOutput == "1\n", "\(right)")
        let hash = try await ServeStackTests.run(
            "psql", ["-X", "-tA", "-c", "select 1", "password=\(stored)"], port: server.port)
        #expect(
            hash.standardError.contains("password authentication failed for user \"alice\""),
            "the stored form is not a password: \(hash)")
        // A failed login is logged at the default level, as PostgreSQL logs it, with the client's address.
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(
            log.contains(#"password authentication failed for user "alice""#)
                && log.contains("pgw.client=127.0.0.1:"), "\(log)")
    }

    /// A client's words reach the log on one line: a user name holding a newline and a terminal escape cannot
    /// start a forged line of its own or clear the terminal (both are escaped).
    @Test func clientTextCannotForgeLogLines() async throws {
        let server = try await ServeProcess(
            ["--auth", "password", "--user", "alice:secret", "--log-level", "info"], capturingStandardError: true)
        let forged = "bob\n06:00:00 FORGED entry\u{1B}[2J"
        let login = try await ServeStackTests.run(
            "psql", ["-X", "-tA", "-c", "select 1", "user='\(forged)' password=wrong"], port: server.port)
        #expect(login.standardError.contains("password authentication failed"), "\(login)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its log cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(log.contains(#"bob\n06:00:00 FORGED entry\x1b[2J"#), "\(log)")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("06:00:00") }, "\(log)")
        #expect(!log.contains("\u{1B}"), "\(log)")
    }

    /// A stored form that the method cannot check (PostgreSQL cannot either) or a malformed SCRAM verifier stops
    /// `pgw serve` at start, naming the user and what to give instead.
    @Test func storedFormsTheMethodCannotCheckAreRefusedAtStart() async throws {
        let verifier = SCRAMVerifier.make(password: "secret").stringValue
        let md5 = try await PGWExecutable.run(["serve", "-p", "0", "--auth", "md5", "--user", "bob:\(verifier)"])
        #expect(md5.status == 64, "a usage error: \(md5)")
        #expect(
            md5.standardError.contains(
                "--user bob is given as a SCRAM verifier, which --auth md5 logins cannot be checked against; give the "
                    + "password or an md5 hash (pgw certs md5 --user bob)")
                && md5.standardError.contains("Usage: pgw serve ")
                && md5.standardError.contains("See 'pgw serve --help'"), "pgw serve's usage: \(md5)")
        // In a script, the error names the script's keys and the user's line, and is no usage error.
        let md5Script = try ServeStackTests.file(
            "md5.yaml", "server:\n  auth: md5\n  users:\n    bob: \"\(verifier)\"\n")
        let scripted = try await PGWExecutable.run(["serve", "-p", "0", "--script", md5Script])
        #expect(scripted.status == 1, "\(scripted)")
        #expect(
            scripted.standardError.contains(
                "md5.yaml:4:10: user bob is given as a SCRAM verifier, which server.auth md5 logins cannot be "
                    + "checked against; give the password or an md5 hash (pgw certs md5 --user bob)")
                && !scripted.standardError.contains("--auth") && !scripted.standardError.contains("Usage:"),
            "\(scripted)")
        let hash = MD5Password.storedHash(user: "bob", password: "secret")
        let scram = try await PGWExecutable.run(
            ["serve", "-p", "0", "--auth", "scram-sha-256", "--user", "bob:\(hash)"])
        #expect(scram.status != 0 && scram.standardError.contains("given as an md5 hash"), "\(scram)")
        let script = try ServeStackTests.file(
            "bad.yaml", "server:\n  users:\n    carol: \"SCRAM-SHA-256$4096:bad$x:y\"\n")
        let malformed = try await PGWExecutable.run(["serve", "-p", "0", "--script", script])
        #expect(malformed.status != 0, "\(malformed)")
        #expect(
            malformed.standardError.contains("bad.yaml:3:12: malformed SCRAM verifier: "), "\(malformed)")
    }

    /// `--tls-key-passphrase-file` decrypts an encrypted server key (the file's first line, with or without a line
    /// ending), psql gets TLS; a wrong passphrase fails at start with the reason.
    @Test func servesTLSWithAnEncryptedKey() async throws {
        let certificates = try TestCertificates.shared()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-passphrase-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let encryptedKey = directory.appending(path: "server.key").path
        let openssl = try PostgresInstallation.executableOnPath("openssl")
        let encrypted = try await SubprocessCommand(
            openssl,
            [
                "pkey", "-in", certificates.path("server.key"), "-aes256", "-passout", "pass:correct horse", "-out",
                encryptedKey,
            ],
            timeout: .seconds(30)
        ).run()
        try #require(encrypted.status == 0, "\(encrypted)")
        let rightFile = directory.appending(path: "right").path
        let wrongFile = directory.appending(path: "wrong").path
        try Data("correct horse".utf8).write(to: URL(filePath: rightFile))
        try Data("wrong horse\ncorrect horse\n".utf8).write(to: URL(filePath: wrongFile))
        let tlsArguments = ["--tls-cert", certificates.path("server.crt"), "--tls-key", encryptedKey]

        let serve = try await ServeProcess(tlsArguments + ["--tls-key-passphrase-file", rightFile])
        let psql = try PostgresInstallation.executableOnPath("psql")
        let session = try await SubprocessCommand(
            psql,
            [
                "-X", "-tA", "-c", "select 1",
                "host=127.0.0.1 port=\(serve.port) user=alice dbname=x sslmode=require",
            ],
            timeout: .seconds(30)
        ).run()
        #expect(session.status == 0 && session.standardOutput == "1\n", "\(session)")

        let refused = try await SubprocessCommand(
            try PGWExecutable.url(),
            ["serve", "--port", "0"] + tlsArguments + ["--tls-key-passphrase-file", wrongFile],
            timeout: .seconds(30)
        ).run()
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.standardError.contains(encryptedKey), "\(refused)")
        #expect(refused.standardError.contains("failed: bad decrypt (wrong passphrase?)"), "\(refused)")
    }

    /// Files the TLS options cannot read are reported once, in the system's words: OpenSSL's own entries for the
    /// same failure ("no such file", "system lib") are left out, and a directory is "Is a directory", not the
    /// "no start line" OpenSSL would find in it.
    @Test func unreadableTLSFilesAreReportedInTheSystemsWords() async throws {
        let certificates = try TestCertificates.shared()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-tls-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appending(path: "missing.key").path
        let cases: [(arguments: [String], message: String)] = [
            (
                ["--tls-cert", certificates.path("server.crt"), "--tls-key", missing],
                "opening \(missing) failed: No such file or directory\n"
            ),
            (
                ["--tls-cert", directory.path, "--tls-key", certificates.path("server.key")],
                "opening \(directory.path) failed: Is a directory\n"
            ),
            (
                [
                    "--tls-cert", certificates.path("server.crt"), "--tls-key", certificates.path("server.key"),
                    "--tls-key-passphrase-file", missing,
                ],
                "cannot read the passphrase file '\(missing)': No such file or directory\n"
            ),
        ]
        for (arguments, message) in cases {
            let outcome = try await PGWExecutable.run(["serve", "--port", "0"] + arguments)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.standardError.contains(message), "\(outcome)")
        }
    }
}
