import Testing

@testable import PostgresAuthentication

/// SCRAM's base64 is strict padded base64, as PostgreSQL's `pg_b64_decode` reads it.
struct Base64Tests {
    @Test(arguments: [("QUJD", [65, 66, 67]), ("QUI=", [65, 66]), ("QQ==", [65]), ("", [])] as [(String, [UInt8])])
    func decodesPaddedBase64(text: String, bytes: [UInt8]) {
        #expect(Base64.decode(text.utf8) == bytes)
        #expect(Base64.encode(bytes) == text)
    }

    @Test(arguments: ["QU=I", "Q===", "====", "QUJD====", "QUJ D", "QUJ\nD", "Q-_D", "QUI"])
    func rejectsAnythingElse(text: String) {
        #expect(Base64.decode(text.utf8) == nil)
    }
}
