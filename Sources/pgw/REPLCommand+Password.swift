import ArgumentParser
import Foundation
import PostgresClient
import PostgresREPL

extension REPLCommand {
    /// Logs in as psql does: with `-W`, asks for the password first; when the server wants a password that the
    /// connection string, PGPASSWORD and the password file do not give (libpq's `fe_sendauth: no password
    /// supplied`), asks for it on the terminal when standard input is one (and neither `-W` nor `-w` was given)
    /// and connects again with it.
    func login(_ parameters: [String: String]) async throws -> REPLConnection {
        var parameters = parameters
        if passwordPrompting == .always { parameters["password"] = try Self.askPassword(prompt: "Password: ") }
        let options = try Self.options(parameters)
        let logger = logging.makeLogger(label: "pgw.repl")
        do {
            return try await REPLConnection.connect(options, logger: logger)
        } catch let error as PostgresClientError where error.reason == .passwordNeeded {
            // -W asked already (psql does not ask twice); -w never asks.
            guard passwordPrompting == nil && isatty(STDIN_FILENO) == 1 else { throw error }
            parameters["password"] = try Self.askPassword(prompt: "Password for user \(options.user): ")
            return try await REPLConnection.connect(try Self.options(parameters), logger: logger)
        }
    }

    /// Connection options from `parameters`; invalid ones are a usage error (exit status 64).
    static func options(_ parameters: [String: String]) throws -> ConnectionOptions {
        do {
            return try ConnectionOptions(parameters: parameters)
        } catch {
            printError("pgw: invalid connection string: \(error)")
            throw ExitCode(64)
        }
    }

    /// Asks for the password on the controlling terminal (`/dev/tty`, as psql does, so a script piped in is not
    /// read), without echo.
    private static func askPassword(prompt: String) throws -> String {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else {
            throw CommandFailure("cannot ask for the password: /dev/tty: \(String(cString: strerror(errno)))")
        }
        defer { close(terminal) }
        return try TerminalPassword.text(TerminalPassword.ask(prompt: prompt, input: terminal, output: terminal))
    }
}
