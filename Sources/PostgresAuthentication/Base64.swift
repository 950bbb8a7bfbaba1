import Foundation

/// Base64 with padding (RFC 4648 section 4), the encoding of SCRAM attributes and verifiers, from Foundation.
enum Base64 {
    /// The padded base64 text of `bytes`.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes encoded by `text`, or `nil` when `text` is not padded base64: a length that is not a multiple
    /// of 4, a character outside the alphabet (whitespace included) or an `=` anywhere but at the end.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0, let data = Data(base64Encoded: Data(text)) else { return nil }
        return Array(data)
    }
}
