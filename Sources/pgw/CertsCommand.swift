import ArgumentParser
import Foundation

/// `pgw certs`: password hashes and TLS certificates that agree with PostgreSQL.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Make and check PostgreSQL password hashes, SCRAM verifiers and TLS certificates.",
        discussion: """
            The stored forms are those PostgreSQL keeps in pg_authid.rolpassword and accepts in \
            CREATE ROLE ... PASSWORD '...' or ALTER ROLE ... PASSWORD '...', so a role's password can be \
            set without the server, its logs or its clients ever seeing the password itself.

            generate makes a throw-away CA with server and client certificates; check tells why a certificate \
            set would fail sslmode=verify-full or cert authentication; probe shows what a server presents.

            No subcommand needs the password on its command line: without --password, pgw asks for it \
            on the terminal without echo, or reads one line from standard input when that is not a terminal.
            """,
        subcommands: [
            CertsMD5Command.self, CertsSCRAMCommand.self, CertsVerifyPasswordCommand.self, CertsGenerateCommand.self,
            CertsCheckCommand.self, CertsProbeCommand.self,
        ]
    )

    /// `pgw certs` alone is a usage error, as `pgw` alone is: it prints the usage and exits with 64.
    func run() throws {
        FileHandle.standardError.write(Data(Self.helpMessage().utf8))
        throw ExitCode(64)
    }
}
