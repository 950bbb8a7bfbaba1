import NIOCore

/// Text from the wire that is not valid UTF-8 (a client with `client_encoding=LATIN1`, say) kept losslessly in a
/// `String`: each byte that is not part of valid UTF-8 becomes a private-use scalar, U+10FF00 plus the byte, so
/// decoding goes on, rendering shows the byte escaped (`\xe9`, or `{"hex": …}` in JSON) and encoding writes the
/// original bytes back.
public enum WireText {
    /// The scalar of byte 0x00; byte `b` is `escapeBase + b`.
    static let escapeBase: UInt32 = 0x10_FF00

    /// `bytes` as a string, valid UTF-8 sequences as themselves and every other byte escaped.
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        let array = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < array.count {
            let lead = array[index]
            let length =
                switch lead {
                case 0..<0x80: 1
                case 0xC2...0xDF: 2
                case 0xE0...0xEF: 3
                case 0xF0...0xF4: 4
                default: 0
                }
            if length > 0, index + length <= array.count,
                let valid = String(validating: array[index..<(index + length)], as: UTF8.self)
            {
                scalars.append(contentsOf: valid.unicodeScalars)
                index += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(lead))!)
                index += 1
            }
        }
        return String(scalars)
    }

    /// The scalar that stands for `byte` in a string (`\xNN` in a text line, which a parsed line reads back): an
    /// ASCII byte as itself, any other as its escape scalar, which encoding writes back as the byte.
    static func scalar(forByte byte: UInt8) -> Unicode.Scalar {
        byte < 0x80 ? Unicode.Scalar(byte) : Unicode.Scalar(escapeBase + UInt32(byte))!
    }

    /// The byte an escape scalar stands for; `nil` for any other scalar.
    public static func escapedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= escapeBase ? UInt8(scalar.value - escapeBase) : nil
    }

    /// Whether `string` holds bytes that were not valid UTF-8.
    public static func hasEscapedBytes(_ string: String) -> Bool {
        string.unicodeScalars.contains { escapedByte($0) != nil }
    }

    /// The bytes `string` was decoded from: UTF-8, with escaped bytes as themselves.
    public static func originalBytes(_ string: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in string.unicodeScalars {
            if let byte = escapedByte(scalar) {
                bytes.append(byte)
            } else {
                bytes += Array(String(scalar).utf8)
            }
        }
        return bytes
    }
}
