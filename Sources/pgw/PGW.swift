import ArgumentParser

/// The `pgw` command: PostgreSQL wire-protocol tools.
@main
struct PGW: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgw",
        abstract: "Tools for the PostgreSQL wire protocol: decode captures, serve, proxy and craft messages.",
        discussion: """
            pgw speaks the PostgreSQL frontend/backend protocol (3.0 and 3.2). Each subcommand has its own \
            help: run 'pgw help <subcommand>'.
            """,
        version: "0.1.0",
        subcommands: [DecodeCommand.self, CertsCommand.self]
    )
}
