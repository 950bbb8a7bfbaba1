/// PostgreSQL's `bytea` input (`byteain`: hex `\x616263`, with white space between digit pairs, or the escape
/// format, where `\\` is a backslash and `\141` an octal byte) and its output in the `bytea_output` formats `hex`
/// (the default) and `escape`.
package enum ByteaText {
    /// Why input is not a bytea: PostgreSQL's SQLSTATE and message.
    package struct InvalidInput: Error {
        /// The SQLSTATE.
        package var code: String
        /// The message.
        package var message: String
    }

    /// The hex output (`\x616263`) of the bytes that `text` spells.
    package static func hexOutput(of text: String) throws(InvalidInput) -> String {
        "\\x" + HexDump.hex(try bytes(of: text))
    }

    /// The escape output of `bytes` (`abc\\\000`): printable ASCII as it is, a backslash doubled, other bytes as
    /// three octal digits after a backslash.
    package static func escapeOutput(of bytes: [UInt8]) -> String {
        var result = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): result += "\\\\"
            case 0x20...0x7E: result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "\\" + String(byte >> 6) + String((byte >> 3) & 7) + String(byte & 7)
            }
        }
        return result
    }

    /// The bytes `text` spells in hex or escape format.
    package static func bytes(of text: String) throws(InvalidInput) -> [UInt8] {
        let scalars = Array(text.unicodeScalars)
        if scalars.starts(with: ["\\", "x"]) { return try decodeHex(scalars.dropFirst(2)) }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        var index = 0
        func isOctal(_ offset: Int, upTo last: UInt8) -> Bool {
            index + offset < bytes.count && (UInt8(ascii: "0")...last).contains(bytes[index + offset])
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\") else {
                result.append(bytes[index])
                index += 1
                continue
            }
            if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\\") {
                result.append(UInt8(ascii: "\\"))
                index += 2
            } else if isOctal(1, upTo: UInt8(ascii: "3")) && isOctal(2, upTo: UInt8(ascii: "7"))
                && isOctal(3, upTo: UInt8(ascii: "7"))
            {
                result.append(bytes[(index + 1)...(index + 3)].reduce(0) { $0 << 3 | ($1 - UInt8(ascii: "0")) })
                index += 4
            } else {
                throw InvalidInput(code: "22P02", message: "invalid input syntax for type bytea")
            }
        }
        return result
    }

    /// The bytes of hex digit pairs (PostgreSQL's `hex_decode`: spaces, tabs and line ends between pairs).
    private static func decodeHex(_ scalars: ArraySlice<Unicode.Scalar>) throws(InvalidInput) -> [UInt8] {
        var result: [UInt8] = []
        var pending: UInt8?
        for scalar in scalars {
            if pending == nil && [" ", "\n", "\t", "\r"].contains(scalar) { continue }
            guard scalar.isASCII, let digit = UInt8(String(scalar), radix: 16) else {
                throw InvalidInput(code: "22023", message: "invalid hexadecimal digit: \"\(scalar)\"")
            }
            if let high = pending {
                result.append(high << 4 | digit)
                pending = nil
            } else {
                pending = digit
            }
        }
        guard pending == nil else {
            throw InvalidInput(code: "22023", message: "invalid hexadecimal data: odd number of digits")
        }
        return result
    }
}
