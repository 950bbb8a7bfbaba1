import Foundation
import PostgresAuthentication
import PostgresGateway
import PostgresTestSupport
import Testing

/// Runs the built `pgw certs` subcommands.
struct CertsCommandTests {
    /// `pgw certs` without a subcommand is a usage error (64), as `pgw` alone is.
    @Test func certsAloneIsAUsageError() async throws {
        let outcome = try await PGWExecutable.run(["certs"])
        #expect(outcome.status == 64 && outcome.standardError.contains("SUBCOMMANDS:"), "\(outcome)")
    }

    @Test func md5PrintsTheStoredHash() async throws {
        let outcome = try await PGWExecutable.run(["certs", "md5", "--user", "postgres", "--password", "postgres"])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == MD5PasswordTests.postgresHash + "\n")
    }

    /// On a terminal, the password is asked for (`Password: ` on standard error) and typed without echo.
    @Test func md5AsksForThePasswordOnATerminalWithoutEcho() async throws {
        let script = #"""
            import os, pty, select, sys, time
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], [sys.argv[1], "certs", "md5", "--user", "postgres"])
            output, typed, deadline = b"", False, time.time() + 20
            while time.time() < deadline:
                if not typed and b"Password: " in output:
                    os.write(fd, b"postgres\r")
                    typed = True
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    output += chunk
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(output.decode(errors="replace"))
            sys.exit(os.waitstatus_to_exitcode(status))
            """#
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, try PGWExecutable.url().path],
            timeout: .seconds(30)
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == "Password: \r\n\(MD5PasswordTests.postgresHash)\r\n", "\(outcome)")
    }

    @Test func md5WithSaltPrintsTheClientResponse() async throws {
        let outcome = try await PGWExecutable.run(
            ["certs", "md5", "--user", "postgres", "--salt", "2a3b4c5d"], standardInput: "postgres\n")
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == MD5PasswordTests.postgresResponse + "\n")
    }

    @Test(arguments: ["2a3b4c", "2a3b4c5d6e", "+a3b4c5d", "zz3b4c5d"])
    func md5RejectsASaltThatIsNotFourBytesOfHex(salt: String) async throws {
        let outcome = try await PGWExecutable.run(
            ["certs", "md5", "--user", "postgres", "--password", "postgres", "--salt", salt])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.standardError.contains("--salt"))
    }

    @Test func scramPrintsTheVerifierForAGivenSalt() async throws {
        let outcome = try await PGWExecutable.run(
            ["certs", "scram", "--password", "pencil", "--salt", RFC7677Vector.saltBase64, "--iterations", "4096"])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == RFC7677Vector.verifier + "\n")
    }

    @Test func scramReadsThePasswordFromStandardInputAndMakesARandomSalt() async throws {
        let outcome = try await PGWExecutable.run(["certs", "scram"], standardInput: "pencil\n")
        #expect(outcome.succeeded, "\(outcome)")
        let verifier = try SCRAMVerifier(parsing: String(outcome.standardOutput.dropLast()))
        #expect(verifier.iterations == 4096)
        #expect(verifier.salt.count == 16)
        #expect(verifier.verify(password: "pencil"))
    }

    @Test(arguments: [
        ("pencil\n", 0, "match"), ("pencil\r\n", 0, "match"), ("pencil", 0, "match"), ("pen\n", 1, "mismatch"),
    ])
    func verifyPasswordReportsMatchOrMismatch(input: String, status: Int32, verdict: String) async throws {
        let outcome = try await PGWExecutable.run(
            ["certs", "verify-password", "--verifier", RFC7677Vector.verifier], standardInput: input)
        #expect(outcome.status == status, "\(outcome)")
        #expect(outcome.standardOutput == verdict + "\n")
    }

    @Test func verifyPasswordChecksMD5HashesWithTheUser() async throws {
        let arguments = ["certs", "verify-password", "--verifier", MD5PasswordTests.postgresHash, "--user"]
        let match = try await PGWExecutable.run(arguments + ["postgres"], standardInput: "postgres\n")
        #expect(match.status == 0 && match.standardOutput == "match\n", "\(match)")
        let mismatch = try await PGWExecutable.run(arguments + ["alice"], standardInput: "postgres\n")
        #expect(mismatch.status == 1 && mismatch.standardOutput == "mismatch\n", "\(mismatch)")
    }

    @Test(arguments: [
        ["--verifier", MD5PasswordTests.postgresHash],
        ["--verifier", "SCRAM-SHA-256$4096:abc", "--password", "pencil"],
        ["--verifier", RFC7677Vector.verifier, "--password", ""],
    ])
    func verifyPasswordRejectsUnusableInputWithUsageStatus(arguments: [String]) async throws {
        let outcome = try await PGWExecutable.run(["certs", "verify-password"] + arguments, standardInput: "")
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test(arguments: [
        ("", "standard input ended before a line"), ("\n", "the password read is empty"),
    ])
    func passwordInputProblemsAreRuntimeFailuresNotUsageErrors(input: String, message: String) async throws {
        for command in [
            ["md5", "--user", "alice"], ["scram"], ["verify-password", "--verifier", RFC7677Vector.verifier],
        ] {
            let outcome = try await PGWExecutable.run(["certs"] + command, standardInput: input)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.standardError.contains(message), "\(outcome)")
            #expect(!outcome.standardError.contains("Usage:"), "\(outcome)")
            #expect(outcome.standardOutput.isEmpty)
        }
    }
}
