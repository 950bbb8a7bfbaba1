import Foundation

/// Base64 with padding (RFC 4648 section 4), the encoding of SCRAM attributes and verifiers, from Foundation.
enum Base64 {
    /// The padded base64 text of `bytes`.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes encoded by `text`, or `nil` when `text` is not padded base64: a length that is not a multiple
    /// of 4, a character outside the alphabet (whitespace included) or an `=` anywhere but in the last two places.
    /// (Foundation alone accepts `=` inside the text and more than two at its end.)
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let padding = text.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard text.count % 4 == 0, padding <= 2, !text.dropLast(padding).contains(UInt8(ascii: "=")),
            let data = Data(base64Encoded: Data(text))
        else { return nil }
        return Array(data)
    }
}
