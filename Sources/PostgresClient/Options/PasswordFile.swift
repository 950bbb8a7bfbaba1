import Foundation

/// libpq's password file (`~/.pgpass`, `passfile`, `PGPASSFILE`): lines `hostname:port:database:username:password`,
/// where `*` matches anything and `\` escapes `:` and `\`.
///
/// Lines are matched exactly as libpq's `passwordFromFile` and `pwdfMatchesString` match them: each field is
/// compared with the wanted value character by character, so an unescaped `:` that is part of the value (an IPv6
/// address such as `::1`) still matches, and the password ends at its first unescaped `:`.
public struct PasswordFile: Sendable {
    /// The file's path.
    public let path: String
    private let lines: [[UInt8]]

    /// Reads the file at `path`, as libpq does: `nil` when it does not exist or is not a regular file, and
    /// ignored, with libpq's warning, when others can read it.
    /// - Parameter warn: receives libpq's warning text.
    public init?(path: String, warn: (String) -> Void = { _ in }) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else {
            warn("WARNING: password file \"\(path)\" is not a plain file")
            return nil
        }
        guard status.st_mode & (S_IRWXG | S_IRWXO) == 0 else {
            warn(
                "WARNING: password file \"\(path)\" has group or world access; permissions should be u=rw (0600) "
                    + "or less")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        self.init(path: path, contents: data)
    }

    /// A password file with `contents`, read from `path`.
    public init(path: String, contents: Data) {
        self.path = path
        // Split as bytes: in a String, "\r\n" is one Character, neither "\n" nor ending with "\r". Each line
        // loses its trailing carriage returns and line feeds as in libpq (pg_strip_crlf), so a file saved with CRLF
        // line endings gives the same passwords. As libpq reads C strings, a line ends at a NUL byte.
        self.lines = contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            var line = Array(line.prefix { $0 != 0 })
            while line.last == UInt8(ascii: "\r") { line.removeLast() }
            return line
        }
    }

    /// The password of the first line matching all four fields, or `nil`.
    ///
    /// As in libpq, nothing matches without a database or a user name, an empty host or the default Unix socket
    /// directory is looked up as `localhost`, an empty port as `5432`; lines starting with `#` are comments.
    /// - Parameter port: the port as given in the connection options (libpq compares the text).
    public func password(host: String, port: String, database: String, user: String) -> String? {
        guard !database.isEmpty, !user.isEmpty else { return nil }
        let host = host.isEmpty || host == ConnectionOptions.defaultSocketDirectory ? "localhost" : host
        let wanted = [host, port.isEmpty ? "5432" : port, database, user].map { Array($0.utf8) }
        for line in lines where !line.isEmpty && line[0] != UInt8(ascii: "#") {
            var start = 0
            guard
                wanted.allSatisfy({ token in
                    guard let next = Self.matchField(line, from: start, token: token) else { return false }
                    start = next
                    return true
                })
            else { continue }
            return Self.unescapedPassword(line[start...])
        }
        return nil
    }

    /// libpq's `pwdfMatchesString`: where the field at `start` matches `token` (`*` matches anything), the index
    /// after its `:`; otherwise `nil`. The field is compared character by character with the token, a `\` escaping
    /// the next character; it ends at the first unescaped `:` once the whole token has matched.
    static func matchField(_ line: [UInt8], from start: Int, token: [UInt8]) -> Int? {
        let colon = UInt8(ascii: ":")
        if start + 1 < line.count, line[start] == UInt8(ascii: "*"), line[start + 1] == colon { return start + 2 }
        var index = start
        var tokenIndex = 0
        while index < line.count {
            var escaped = false
            if line[index] == UInt8(ascii: "\\") {
                index += 1
                escaped = true
            }
            // A line ending in a lone backslash compares the end of the line (C's NUL) with the token: no match.
            guard index < line.count else { return nil }
            if line[index] == colon && tokenIndex == token.count && !escaped { return index + 1 }
            guard tokenIndex < token.count, line[index] == token[tokenIndex] else { return nil }
            index += 1
            tokenIndex += 1
        }
        return nil
    }

    /// The password field as libpq de-escapes it: up to the first unescaped `:`, each `\` dropped before the
    /// character it escapes (a trailing `\` is kept).
    static func unescapedPassword(_ field: ArraySlice<UInt8>) -> String {
        var password: [UInt8] = []
        var index = field.startIndex
        while index < field.endIndex, field[index] != UInt8(ascii: ":") {
            if field[index] == UInt8(ascii: "\\"), field.index(after: index) < field.endIndex {
                index = field.index(after: index)
            }
            password.append(field[index])
            index = field.index(after: index)
        }
        return String(decoding: password, as: UTF8.self)
    }
}
