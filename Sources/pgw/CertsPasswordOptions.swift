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
            bytes = try Self.readFromTerminal()
        } else {
            guard let line = try Self.readOneLine() else {
                throw CommandFailure(
                    "no password: standard input ended before a line; pipe the password in, or give --password")
            }
            bytes = line
        }
        let password = String(decoding: bytes, as: UTF8.self)
        guard password.utf8.elementsEqual(bytes) else {
            throw CommandFailure("the password read is not valid UTF-8")
        }
        guard !password.isEmpty else {
            throw CommandFailure("the password read is empty (PostgreSQL never authenticates an empty password)")
        }
        return password
    }

    /// Prompts on standard error and reads a line from the terminal on standard input with echo off.
    private static func readFromTerminal() throws -> [UInt8] {
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else {
            throw CommandFailure(
                "cannot read the terminal settings: \(String(cString: strerror(errno))); pipe the password in")
        }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        FileHandle.standardError.write(Data("Password: ".utf8))
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return try readOneLine() ?? []
    }

    /// One line from standard input without its line ending (`\n` or `\r\n`), read a byte at a time so nothing
    /// past it is consumed; `nil` when input ends before any byte.
    private static func readOneLine() throws(CommandFailure) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(STDIN_FILENO, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                throw CommandFailure("cannot read standard input: \(String(cString: strerror(errno)))")
            }
            guard count == 1 else { return line.isEmpty ? nil : line }
            if byte == UInt8(ascii: "\n") {
                return line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            }
            line.append(byte)
        }
    }
}
