import ArgumentParser

/// `pgw certs`: credentials for PostgreSQL roles.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Make and check PostgreSQL password hashes and SCRAM verifiers.",
        discussion: """
            The stored forms are those PostgreSQL keeps in pg_authid.rolpassword and accepts in \
            CREATE ROLE ... PASSWORD '...' or ALTER ROLE ... PASSWORD '...', so a role's password can be \
            set without the server, its logs or its clients ever seeing the password itself.

            No subcommand needs the password on its command line: without --password, pgw asks for it \
            on the terminal without echo, or reads one line from standard input when that is not a terminal.
            """,
        subcommands: [CertsMD5Command.self, CertsSCRAMCommand.self, CertsVerifyPasswordCommand.self]
    )
}
