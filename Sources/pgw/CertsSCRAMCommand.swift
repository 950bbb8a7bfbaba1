import ArgumentParser
import Foundation
import PostgresAuthentication
import PostgresGateway

/// `pgw certs scram`: a SCRAM-SHA-256 verifier.
struct CertsSCRAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scram",
        abstract: "Print a SCRAM-SHA-256 verifier for a password.",
        discussion: """
            Prints SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, the form PostgreSQL stores \
            and accepts in CREATE ROLE ... PASSWORD '...'. The password is prepared with SASLprep as \
            PostgreSQL does (except for its bidirectional-text rule).

            Examples:
              pgw certs scram
              printf 'secret\\n' | pgw certs scram --iterations 8192
            """
    )

    @OptionGroup
    var passwordOptions: CertsPasswordOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The PBKDF2 iteration count.", valueName: "count"))
    var iterations = 4096

    @Option(
        name: .long,
        help: ArgumentHelp("The salt in base64 (default: 16 random bytes).", valueName: "base64"),
        transform: Self.parseSalt
    )
    var salt: [UInt8]?

    func validate() throws {
        guard SCRAMVerifier.iterationRange.contains(iterations) else {
            let range = SCRAMVerifier.iterationRange
            throw ValidationError("--iterations must be from \(range.lowerBound) to \(range.upperBound).")
        }
    }

    func run() throws {
        let password = try passwordOptions.resolve()
        print(SCRAMVerifier.make(password: password, salt: salt, iterations: iterations).stringValue)
    }

    private static func parseSalt(_ text: String) throws -> [UInt8] {
        guard let salt = Data(base64Encoded: text), !salt.isEmpty else {
            throw ValidationError("--salt must be base64, such as W22ZaJ0SNY7soEsUEjb6gQ==.")
        }
        return Array(salt)
    }
}
