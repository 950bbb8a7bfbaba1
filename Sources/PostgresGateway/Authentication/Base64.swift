/// Base64 with padding (RFC 4648 section 4), the encoding of SCRAM attributes and verifiers.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")

    /// The padded base64 text of `bytes`.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let group = bytes[start..<min(start + 3, bytes.count)]
            let value = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= group.count ? alphabet[Int(value >> (18 - 6 * position) & 0x3F)] : padding)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes encoded by `text`, or `nil` when `text` is not padded base64: a length that is not a multiple
    /// of 4, a character outside the alphabet (whitespace included) or an `=` anywhere but at the end.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let text = Array(text)
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        for start in stride(from: 0, to: text.count, by: 4) {
            let group = text[start..<start + 4]
            let padded = group.reversed().prefix { $0 == padding }.count
            guard padded == 0 || (padded <= 2 && start + 4 == text.count) else { return nil }
            var value: UInt32 = 0
            for character in group.dropLast(padded) {
                guard let index = alphabet.firstIndex(of: character) else { return nil }
                value = value << 6 | UInt32(index)
            }
            value <<= 6 * UInt32(padded)
            output += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)].prefix(3 - padded)
        }
        return output
    }
}
