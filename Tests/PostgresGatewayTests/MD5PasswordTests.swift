import PostgresAuthentication
import PostgresGateway
import Testing

struct MD5PasswordTests {
    /// md5("postgrespostgres"), as `printf postgrespostgres | md5sum` prints it.
    static let postgresHash = "md53175bce1d3201d16594cebf9d7eb3f9d"
    static let salt: [UInt8] = [0x2A, 0x3B, 0x4C, 0x5D]
    /// From `printf '3175bce1d3201d16594cebf9d7eb3f9d\x2a\x3b\x4c\x5d' | md5sum`.
    static let postgresResponse = "md5d6c224df1a950810abb9dc416435d351"

    @Test func storedHashIsPostgreSQLs() {
        #expect(MD5Password.storedHash(user: "postgres", password: "postgres") == Self.postgresHash)
    }

    @Test func clientResponseHashesTheStoredHashWithTheSalt() {
        #expect(
            MD5Password.clientResponse(user: "postgres", password: "postgres", salt: Self.salt) == Self.postgresResponse
        )
        #expect(MD5Password.clientResponse(storedHash: Self.postgresHash, salt: Self.salt) == Self.postgresResponse)
    }

    @Test func verifyAcceptsOnlyTheResponseForTheSalt() {
        #expect(MD5Password.verify(response: Self.postgresResponse, storedHash: Self.postgresHash, salt: Self.salt))
        #expect(
            !MD5Password.verify(response: Self.postgresResponse, storedHash: Self.postgresHash, salt: [0, 0, 0, 0]))
        let otherUser = MD5Password.storedHash(user: "postgres2", password: "postgres")
        #expect(!MD5Password.verify(response: Self.postgresResponse, storedHash: otherUser, salt: Self.salt))
    }

    @Test(arguments: [
        "md53175BCE1D3201D16594CEBF9D7EB3F9D",
        "md53175bce1d3201d16594cebf9d7eb3f9",
        "3175bce1d3201d16594cebf9d7eb3f9d",
        RFC7677Vector.verifier,
    ])
    func verifyRejectsStoredFormsThatAreNotMD5Hashes(storedHash: String) {
        #expect(MD5Password.isStoredHash(Self.postgresHash))
        #expect(!MD5Password.isStoredHash(storedHash))
        let response = MD5Password.clientResponse(storedHash: storedHash, salt: Self.salt)
        #expect(!MD5Password.verify(response: response, storedHash: storedHash, salt: Self.salt))
    }
}
