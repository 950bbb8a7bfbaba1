import ArgumentParser

/// The `pgw` command: PostgreSQL wire-protocol tools.
@main
struct PGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgw",
        abstract:
            "PostgreSQL wire-protocol tools: decode captured traffic, run a mock server, make and check password hashes, type protocol messages.",
        discussion: """
            pgw speaks the PostgreSQL frontend/backend protocol (3.0 and 3.2). Each subcommand has its own \
            help: run 'pgw help <subcommand>'.
            """,
        version: "0.1.0",
        subcommands: [DecodeCommand.self, ServeCommand.self, CertsCommand.self, REPLCommand.self]
    )
}
