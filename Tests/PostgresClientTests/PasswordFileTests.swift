import Foundation
import Testing

@testable import PostgresClient

/// The password file read as libpq reads it: each rule of `passwordFromFile` and `pwdfMatchesString`, compared with
/// the system's libpq for the same file and connection options.
@Suite struct PasswordFileTests {
    /// A file and the connection options looking up a password in it, with the password libpq 15 finds.
    struct Case: Sendable, CustomTestStringConvertible {
        /// The file's lines.
        var contents: String
        /// `host`, `port`… for the lookup (`hostaddr` keeps libpq from resolving the name).
        var conninfo: String
        /// libpq's password, empty for none (an empty password found counts as none when authenticating).
        var expected: String
        var testDescription: String { "\(conninfo) in \(contents.debugDescription)" }
    }

    static let cases: [Case] = [
        // An unescaped IPv6 address matches: the field is compared character by character with the host.
        Case(
            contents: "::1:1:app:alice:secret\n", conninfo: "host=::1 port=1 dbname=app user=alice",
            expected: "secret"),
        Case(
            contents: "\\:\\:1:1:app:alice:secret\n", conninfo: "host=::1 port=1 dbname=app user=alice",
            expected: "secret"),
        Case(
            contents: "::1:*:*:*:secret\n", conninfo: "host=::1 port=1 dbname=app user=alice",
            expected: "secret"),
        // The password ends at its first unescaped colon; an escaped one is kept.
        Case(
            contents: "127.0.0.1:1:app:alice:secret:extra\n",
            conninfo: "host=127.0.0.1 port=1 dbname=app user=alice", expected: "secret"),
        Case(
            contents: "127.0.0.1:1:app:alice:sec\\:ret:extra\n",
            conninfo: "host=127.0.0.1 port=1 dbname=app user=alice", expected: "sec:ret"),
        Case(
            contents: "*:*:*:*:a\\\\b\\c\\\n", conninfo: "host=127.0.0.1 port=1 dbname=app user=alice",
            expected: "a\\bc\\"),
        Case(
            contents: "*:*:*:*:\n*:*:*:*:second\n", conninfo: "host=127.0.0.1 port=1 dbname=app user=alice",
            expected: ""),
        // A field longer or shorter than the value does not match; nor does a line with too few fields.
        Case(
            contents: "127.0.0.10:*:*:*:no\n127.0.0:*:*:*:no\n*:*:*:yes\n127.0.0.1:*:*:*:yes\n",
            conninfo: "host=127.0.0.1 port=1 dbname=app user=alice", expected: "yes"),
        Case(contents: "*:*:*:alice\n", conninfo: "host=127.0.0.1 port=1 dbname=app user=alice", expected: ""),
        // `*` is a wildcard only as a whole field; `\*` is a star.
        Case(
            contents: "db*:*:*:*:no\n\\*:*:*:*:no\n*:*:*:*:yes\n",
            conninfo: "host=db1 hostaddr=127.0.0.1 port=1 dbname=app user=alice", expected: "yes"),
        // Comments, empty lines, CRLF line ends, a trailing backslash in a field.
        Case(
            contents: "#*:*:*:*:comment\n\n\r\nh\\:*:*:*:no\n*:*:*:*:yes\r\n",
            conninfo: "host=h hostaddr=127.0.0.1 port=1 dbname=app user=alice", expected: "yes"),
        Case(contents: "h\\", conninfo: "host=h hostaddr=127.0.0.1 port=1 dbname=app user=alice", expected: ""),
        // The port is compared as given; an empty host is localhost; hostaddr stands in for a missing host.
        Case(
            contents: "*:5432:*:*:default-port\n", conninfo: "host=127.0.0.1 dbname=app user=alice",
            expected: "default-port"),
        Case(
            contents: "127.0.0.1:*:*:*:by-address\n", conninfo: "hostaddr=127.0.0.1 port=1 dbname=app user=alice",
            expected: "by-address"),
        Case(
            contents: "localhost:*:*:*:local\n", conninfo: "host= hostaddr=127.0.0.1 port=1 dbname=app user=alice",
            expected: ""),
        // The last line needs no line feed.
        Case(
            contents: "*:*:*:*:last", conninfo: "host=127.0.0.1 port=1 dbname=app user=alice",
            expected: "last"),
    ]

    @Test(arguments: cases)
    func passwordAsLibpqFindsIt(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        try directory.write(testCase.contents, to: "pgpass", permissions: 0o600)
        let file = directory.path("pgpass")
        let libpq = LibpqPasswordFile.password(testCase.conninfo, passfile: file)
        #expect(libpq == testCase.expected, "libpq")
        let options = try ConnectionOptions(
            testCase.conninfo + " passfile=\(file)", environment: [:], systemUser: "u")
        #expect((options.targets[0].password ?? "") == testCase.expected)
    }

    /// Field matching as `pwdfMatchesString`: the index after the field's `:`, or `nil`.
    @Test func fieldMatching() {
        func match(_ line: String, _ token: String) -> Int? {
            PasswordFile.matchField(Array(line.utf8), from: 0, token: Array(token.utf8))
        }
        #expect(match("::1:rest", "::1") == 4)
        #expect(match("*:rest", "anything") == 2)
        #expect(match("*x:rest", "*x") == 3)
        #expect(match("a\\:b:rest", "a:b") == 5)
        #expect(match("ab:rest", "a") == nil)
        #expect(match("a:rest", "ab") == nil)
        #expect(match("abc", "abc") == nil, "a field needs its colon")
        #expect(match("ab\\", "ab") == nil)
    }

    /// De-escaping the password: up to the first unescaped `:`.
    @Test func passwordDeEscaping() {
        #expect(PasswordFile.unescapedPassword(ArraySlice("p\\:w:extra".utf8)) == "p:w")
        #expect(PasswordFile.unescapedPassword(ArraySlice("p\\\\w\\".utf8)) == "p\\w\\")
        #expect(PasswordFile.unescapedPassword(ArraySlice(":x".utf8)) == "")
    }
}
