import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` as a user runs it: a process that prints its address, serves clients and shuts down on SIGTERM.
@Suite(.timeLimit(.minutes(2)))
struct ServeCommandTests {
    @Test(arguments: ["password", "md5", "scram-sha-256"])
    func servesClientsWithEachPasswordMethod(auth: String) async throws {
        let process = Process()
        process.executableURL = try PGWExecutable.url()
        process.arguments = ["serve", "--port", "0", "--auth", auth, "--user", "alice:secret"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line is "listening on HOST:PORT".
        let text = try await offPool { try ListeningProcess.firstLine(of: output.fileHandleForReading) }
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
    }
}
