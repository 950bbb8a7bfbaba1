import PostgresAuthentication
import PostgresGateway
import Testing

struct SCRAMVerifierTests {
    @Test func makeDerivesRFC7677Keys() {
        let verifier = SCRAMVerifier.make(
            password: RFC7677Vector.password, salt: RFC7677Vector.salt, iterations: RFC7677Vector.iterations)
        #expect(verifier.stringValue == RFC7677Vector.verifier)
    }

    @Test func parsingAndPrintingRoundTrip() throws {
        let verifier = try SCRAMVerifier(parsing: RFC7677Vector.verifier)
        #expect(verifier.iterations == 4096)
        #expect(verifier.salt == RFC7677Vector.salt)
        #expect(verifier.storedKey.count == 32 && verifier.serverKey.count == 32)
        #expect(verifier.stringValue == RFC7677Vector.verifier)
        #expect(try SCRAMVerifier(parsing: verifier.stringValue) == verifier)
    }

    @Test func verifyChecksThePassword() throws {
        let verifier = try SCRAMVerifier(parsing: RFC7677Vector.verifier)
        #expect(verifier.verify(password: "pencil"))
        #expect(!verifier.verify(password: "pencil "))
        #expect(!verifier.verify(password: "Pencil"))
    }

    @Test func makeDefaultsToARandom16ByteSaltAnd4096Iterations() {
        let first = SCRAMVerifier.make(password: "secret")
        let second = SCRAMVerifier.make(password: "secret")
        #expect(first.iterations == 4096)
        #expect(first.salt.count == 16)
        #expect(first.salt != second.salt)
        #expect(first.verify(password: "secret") && second.verify(password: "secret"))
    }

    static let salt = RFC7677Vector.saltBase64
    static let keys = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="

    @Test(arguments: [
        "",
        "md53175bce1d3201d16594cebf9d7eb3f9d",
        "SCRAM-SHA-1$4096:\(salt)$\(keys)",
        "SCRAM-SHA-256$4096:\(salt)",
        "SCRAM-SHA-256$4096$\(keys)",
        "SCRAM-SHA-256$many:\(salt)$\(keys)",
        "SCRAM-SHA-256$0:\(salt)$\(keys)",
        "SCRAM-SHA-256$2147483648:\(salt)$\(keys)",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6g$\(keys)",
        "SCRAM-SHA-256$4096:\(salt)$\(keys.dropLast())",
        "SCRAM-SHA-256$4096:\(salt)$AAAA:\(keys.split(separator: ":")[1])",
        "SCRAM-SHA-256$4096:\(salt)$\(keys):",
        "SCRAM-SHA-256$4096:\(salt)$\(keys)$",
        " SCRAM-SHA-256$4096:\(salt)$\(keys)",
    ])
    func parsingRejectsMalformedVerifiers(text: String) {
        #expect(SCRAMErrorKind.of { _ = try SCRAMVerifier(parsing: text) } == .malformedVerifier)
    }

    /// Pairs of passwords that SASLprep turns into the same bytes, so their verifiers are equal.
    @Test(arguments: [
        ("pass\u{00A0}word", "pass word"),  // non-ASCII space (C.1.2) becomes a space
        ("pass\u{3000}word", "pass word"),
        ("pass\u{00AD}word\u{200D}", "password"),  // soft hyphen and zero-width joiner map to nothing (B.1)
        ("\u{FF50}\u{FF41}\u{FF53}\u{FF53}", "pass"),  // fullwidth letters: NFKC
        ("\u{FB01}x", "fix"),  // ligature: NFKC
        ("caf\u{0065}\u{0301}", "caf\u{00E9}"),  // decomposed and composed é
    ])
    func saslprepNormalizesLikePostgreSQL(password: String, equivalent: String) {
        #expect(Self.verifier(password) == Self.verifier(equivalent))
    }

    /// Passwords that PostgreSQL hashes as raw bytes because the mapped form is prohibited or empty, so they
    /// differ from what mapping and normalizing would give.
    @Test(arguments: [
        ("pass\u{00A0}word\u{0007}", "pass word\u{0007}"),  // ASCII control (C.2.1)
        ("\u{E000}\u{00A0}", "\u{E000} "),  // private use (C.3)
        ("\u{0221}\u{00A0}", "\u{0221} "),  // unassigned in Unicode 3.2 (A.1)
        ("\u{00AD}", ""),  // empty after mapping
    ])
    func saslprepFallsBackToRawBytes(password: String, normalizedForm: String) {
        #expect(Self.verifier(password) != Self.verifier(normalizedForm))
        #expect(Self.verifier(password).verify(password: password))
    }

    private static func verifier(_ password: String) -> SCRAMVerifier {
        SCRAMVerifier.make(password: password, salt: RFC7677Vector.salt, iterations: 1)
    }
}
