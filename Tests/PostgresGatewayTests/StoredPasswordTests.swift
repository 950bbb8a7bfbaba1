import PostgresAuthentication
import Testing

/// ``StoredPassword`` without I/O: the three forms PostgreSQL stores, and which logins each can check.
struct StoredPasswordTests {
    static let verifier = SCRAMVerifier.make(password: "secret")
    static let hash = MD5Password.storedHash(user: "alice", password: "secret")

    @Test func textIsReadAsPostgreSQLReadsRolpassword() throws {
        #expect(try StoredPassword(parsing: Self.verifier.stringValue) == .scramVerifier(Self.verifier))
        #expect(try StoredPassword(parsing: Self.hash) == .md5Hash(Self.hash))
        #expect(try StoredPassword(parsing: "secret") == .password("secret"))
        #expect(try StoredPassword(parsing: "md5notahash") == .password("md5notahash"))
        #expect(throws: SCRAMError.self) { try StoredPassword(parsing: "SCRAM-SHA-256$4096:bad$x:y") }
    }

    @Test(arguments: [
        StoredPassword.password("secret"), .md5Hash(Self.hash), .scramVerifier(Self.verifier),
    ])
    func cleartextPasswordsAreCheckedAgainstEveryForm(stored: StoredPassword) {
        #expect(stored.matches(cleartext: "secret", user: "alice"))
        #expect(!stored.matches(cleartext: "secreT", user: "alice"))
        if case .password = stored {
        } else {
            #expect(!stored.matches(cleartext: Self.hash, user: "alice"), "a hash is not the password")
        }
    }

    @Test func eachLoginNeedsAFormItCanCheck() {
        #expect(StoredPassword.password("secret").md5Hash(user: "alice") == Self.hash)
        #expect(StoredPassword.md5Hash(Self.hash).md5Hash(user: "alice") == Self.hash)
        #expect(StoredPassword.scramVerifier(Self.verifier).md5Hash(user: "alice") == nil)
        #expect(StoredPassword.password("secret").makeSCRAMVerifier()?.verify(password: "secret") == true)
        #expect(StoredPassword.scramVerifier(Self.verifier).makeSCRAMVerifier() == Self.verifier)
        #expect(StoredPassword.md5Hash(Self.hash).makeSCRAMVerifier() == nil)
    }
}
