import Foundation

/// libpq's password file (`~/.pgpass`, `passfile`, `PGPASSFILE`): lines `hostname:port:database:username:password`,
/// where `*` matches anything and `\` escapes `:` and `\`.
public struct PasswordFile: Sendable {
    /// The file's path.
    public let path: String
    private let lines: [String]

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
        self.path = path
        // Split as bytes: in a String, "\r\n" is one Character, neither "\n" nor ending with "\r". Each line
        // loses its trailing carriage returns as in libpq (pg_strip_crlf), so a file saved with CRLF line endings
        // gives the same passwords.
        self.lines = data.split(separator: UInt8(ascii: "\n")).map { line in
            var line = line
            while line.last == UInt8(ascii: "\r") { line.removeLast() }
            return String(decoding: line, as: UTF8.self)
        }
    }

    /// The password of the first line matching all four fields, or `nil`.
    ///
    /// As in libpq, an empty host or the default Unix socket directory is looked up as `localhost`.
    public func password(host: String, port: Int, database: String, user: String) -> String? {
        let host = host.isEmpty || host == ConnectionOptions.defaultSocketDirectory ? "localhost" : host
        let wanted = [host, String(port), database, user]
        for line in lines {
            var rest = Substring(line)
            guard wanted.allSatisfy({ Self.consumeField(matching: $0, from: &rest) }) else { continue }
            var password = ""
            var escaped = false
            for character in rest {
                if !escaped && character == "\\" {
                    escaped = true
                } else {
                    password.append(character)
                    escaped = false
                }
            }
            return password
        }
        return nil
    }

    /// Consumes one field and its `:` when it is `*` or equals `value` once unescaped.
    private static func consumeField(matching value: String, from rest: inout Substring) -> Bool {
        if rest.hasPrefix("*:") {
            rest = rest.dropFirst(2)
            return true
        }
        var field = ""
        var index = rest.startIndex
        while index < rest.endIndex, rest[index] != ":" {
            if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                index = rest.index(after: index)
            }
            field.append(rest[index])
            index = rest.index(after: index)
        }
        guard index < rest.endIndex, field == value else { return false }
        rest = rest[rest.index(after: index)...]
        return true
    }
}
