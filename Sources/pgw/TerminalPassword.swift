import Foundation
import NIOConcurrencyHelpers

/// How pgw reads a password a person types, as psql's `simple_prompt` does: echo is turned off, then the prompt
/// shows and one line is read, a byte at a time so that nothing past it is consumed. `pgw certs` and `pgw repl`
/// ask with it.
enum TerminalPassword {
    /// The terminal whose echo a prompt turned off, and its settings before, for ``restoreEcho()``.
    private static let silenced = NIOLockedValueBox<(input: Int32, output: Int32, settings: termios)?>(nil)

    /// Puts back the terminal's settings when a prompt has turned its echo off, and ends the prompt's line: for
    /// Ctrl-C at the prompt, before pgw exits.
    static func restoreEcho() {
        guard let (input, output, original) = silenced.withLockedValue({ $0 }) else { return }
        var settings = original
        _ = tcsetattr(input, TCSAFLUSH, &settings)
        _ = "\n".withCString { write(output, $0, 1) }
    }

    /// Turns echo off on the terminal `input`, writes `prompt` to `output` and reads one line from `input`; then
    /// restores the terminal and ends the prompt's line. The bytes typed, without the line ending (none when input
    /// ended first). Echo goes off before the prompt shows, so nothing typed after the prompt is ever echoed.
    static func ask(prompt: String, input: Int32, output: Int32) throws(CommandFailure) -> [UInt8] {
        var original = termios()
        guard tcgetattr(input, &original) == 0 else {
            throw CommandFailure("cannot read the terminal settings: \(String(cString: strerror(errno)))")
        }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        silenced.withLockedValue { $0 = (input, output, original) }
        _ = tcsetattr(input, TCSAFLUSH, &silent)
        let terminal = FileHandle(fileDescriptor: output, closeOnDealloc: false)
        defer {
            silenced.withLockedValue { $0 = nil }
            _ = tcsetattr(input, TCSAFLUSH, &original)
            terminal.write(Data("\n".utf8))
        }
        terminal.write(Data(prompt.utf8))
        return try readLine(from: input) ?? []
    }

    /// One line from `descriptor` without its line ending (`\n` or `\r\n`), read a byte at a time so nothing past
    /// it is consumed; `nil` when input ends before any byte.
    static func readLine(from descriptor: Int32) throws(CommandFailure) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                throw CommandFailure("cannot read the password: \(String(cString: strerror(errno)))")
            }
            guard count == 1 else { return line.isEmpty ? nil : line }
            if byte == UInt8(ascii: "\n") {
                return line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            }
            line.append(byte)
        }
    }

    /// `bytes` as a password; a failure when they are not valid UTF-8 (a password pgw could not send as typed).
    static func text(_ bytes: [UInt8]) throws(CommandFailure) -> String {
        let password = String(decoding: bytes, as: UTF8.self)
        guard password.utf8.elementsEqual(bytes) else {
            throw CommandFailure("the password read is not valid UTF-8")
        }
        return password
    }
}
