import ArgumentParser
import Foundation

/// The `pgw` command: PostgreSQL wire-protocol tools.
@main
struct PGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgw",
        abstract:
            "PostgreSQL wire-protocol tools: decode captured traffic, run a mock server, make and check password hashes, type protocol messages.",
        discussion: """
            pgw speaks the PostgreSQL frontend/backend protocol (3.0 and 3.2). Each subcommand has its own \
            help: run 'pgw help <subcommand>'. As in psql, -h means --host where a command connects or \
            listens; help is --help or -?.
            """,
        version: "0.1.0",
        subcommands: [
            DecodeCommand.self, ServeCommand.self, ProxyCommand.self, REPLCommand.self, CertsCommand.self,
        ],
        // As psql: help on --help and -?, which leaves -h for --host.
        helpNames: [.long, .customShort("?")]
    )

    /// `pgw` alone is a usage error: it prints the usage and exits with 64.
    func run() async throws {
        FileHandle.standardError.write(Data(Self.helpMessage().utf8))
        throw ExitCode(64)
    }
}
