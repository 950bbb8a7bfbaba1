import Foundation

/// The one way pgw reads a private key's passphrase from a file: its first line, without the line ending (as
/// `openssl … -passin file:PATH` does), so a file written by `echo` and one written without a newline agree.
enum PassphraseFile {
    /// The passphrase in the first line of `path`; a failure names the file and the reason.
    static func read(_ path: String) throws -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read the passphrase file '\(path)': \(error.localizedDescription)")
        }
        return String(text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" })
    }
}
