import ArgumentParser
import PostgresAuthentication
import PostgresGateway

/// `pgw certs verify-password`: checks a password against an MD5 hash or a SCRAM verifier.
struct CertsVerifyPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-password",
        abstract: "Check a password against a stored MD5 hash or SCRAM-SHA-256 verifier.",
        discussion: """
            Prints 'match' and exits with status 0 when the password fits --verifier, or prints 'mismatch' \
            and exits with status 1. --verifier takes a value of pg_authid.rolpassword: 'md5' and 32 hex \
            digits (which needs --user, the role name it was made with) or SCRAM-SHA-256$....

            Examples:
              pgw certs verify-password --user postgres \\
                --verifier md53175bce1d3201d16594cebf9d7eb3f9d
              pgw certs verify-password --verifier "$(psql -XAtc \\
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'")"
            """
    )

    @Option(name: .long, help: ArgumentHelp("The stored MD5 hash or SCRAM verifier.", valueName: "verifier"))
    var verifier: String

    @OptionGroup
    var passwordOptions: CertsPasswordOptions

    @Option(name: .long, help: "The role name, needed for an MD5 hash.")
    var user: String?

    func validate() throws {
        if isMD5 {
            guard MD5Password.isStoredHash(verifier) else {
                throw ValidationError("--verifier: an MD5 hash is 'md5' followed by 32 lowercase hex digits.")
            }
            guard user != nil else {
                throw ValidationError("--user is needed to check an MD5 hash, which includes the role name.")
            }
        } else {
            _ = try scramVerifier()
        }
    }

    func run() throws {
        let password = try passwordOptions.resolve()
        let matches: Bool
        if isMD5, let user {
            matches = ConstantTime.equals(MD5Password.storedHash(user: user, password: password).utf8, verifier.utf8)
        } else {
            matches = try scramVerifier().verify(password: password)
        }
        print(matches ? "match" : "mismatch")
        guard matches else { throw ExitCode.failure }
    }

    private var isMD5: Bool { verifier.hasPrefix("md5") }

    private func scramVerifier() throws -> SCRAMVerifier {
        do {
            return try SCRAMVerifier(parsing: verifier)
        } catch {
            throw ValidationError("--verifier: \(error); expected an MD5 hash or a SCRAM-SHA-256 verifier.")
        }
    }
}
