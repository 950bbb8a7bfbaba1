import Foundation

/// The one way pgw reads a private key's passphrase from a file: its first line, without the line ending (as
/// `openssl … -passin file:PATH` does), so a file written by `echo` and one written without a newline agree.
enum PassphraseFile {
    /// The passphrase in the first line of `path`; a failure names the file and the system's reason
    /// (`No such file or directory`, `Is a directory`), as every other file pgw reads.
    static func read(_ path: String) throws -> String {
        guard let file = fopen(path, "re") else { throw failure(path) }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let count = getline(&line, &capacity, file)
        guard count >= 0, let line else {
            guard ferror(file) == 0 else { throw failure(path) }
            return ""
        }
        let bytes = UnsafeRawBufferPointer(start: line, count: count)
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }

    /// The failure to read `path` that `errno` tells.
    private static func failure(_ path: String) -> CommandFailure {
        CommandFailure("cannot read the passphrase file '\(path)': \(String(cString: strerror(errno)))")
    }
}
