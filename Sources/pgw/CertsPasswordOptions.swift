import ArgumentParser
import Foundation

/// The `--password` option of the `pgw certs` subcommands, and where the password comes from without it.
struct CertsPasswordOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The password. Without it, pgw asks on the terminal without echo, or reads one line from standard \
            input when that is not a terminal (a password on the command line shows in the process list).
            """
    )
    var password: String?

    /// An empty `--password` is a usage error.
    func validate() throws {
        guard password != "" else { throw ValidationError("--password is empty.") }
    }

    /// The password from `--password`, the terminal or standard input; never empty, always valid UTF-8. What
    /// was read is a runtime condition (exit status 1), not a usage error.
    func resolve() throws -> String {
        if let password { return password }
        let bytes: [UInt8]
        if isatty(STDIN_FILENO) == 1 {
            bytes = try TerminalPassword.ask(prompt: "Password: ", input: STDIN_FILENO, output: STDERR_FILENO)
        } else {
            guard let line = try TerminalPassword.readLine(from: STDIN_FILENO) else {
                throw CommandFailure(
                    "no password: standard input ended before a line; pipe the password in, or give --password")
            }
            bytes = line
        }
        let password = try TerminalPassword.text(bytes)
        guard !password.isEmpty else {
            throw CommandFailure("the password read is empty (PostgreSQL never authenticates an empty password)")
        }
        return password
    }
}
