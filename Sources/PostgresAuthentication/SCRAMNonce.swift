/// SCRAM nonces: how pgw makes them and which ones it accepts.
enum SCRAMNonce {
    /// 18 random bytes in base64, as PostgreSQL and libpq make them.
    static func random() -> String {
        Base64.encode(CryptoPrimitives.randomBytes(count: 18))
    }

    /// Whether `nonce` consists of RFC 5802's `printable` characters: ASCII 0x21 to 0x7E except the comma.
    static func isPrintable(_ nonce: some Sequence<UInt8>) -> Bool {
        nonce.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }
    }
}
