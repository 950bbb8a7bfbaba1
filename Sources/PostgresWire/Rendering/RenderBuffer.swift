import NIOCore

/// Rendered output as UTF-8 bytes, written in place: text and JSON lines are built here without intermediate
/// `String`s, and text is escaped by scanning its UTF-8 bytes and copying the runs that need no escape in bulk.
struct RenderBuffer {
    /// The bytes written so far.
    var bytes: [UInt8]

    /// An empty buffer with room for `capacity` bytes.
    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A buffer that goes on writing after `bytes`.
    init(continuing bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The bytes as a string.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends literal text.
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 of `string`, unescaped.
    mutating func append(string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes rendered before (a line's members, fields kept for reuse) from their storage, without the
    /// retain and release of appending the array itself.
    mutating func append(rendered other: [UInt8]) {
        other.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// Appends `,"name":`, a JSON member's start, for a `name` that needs no escaping (a field name of the format).
    mutating func appendMemberName(_ name: StaticString) {
        append(",\"")
        append(name)
        append("\":")
    }

    /// Appends one byte.
    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// `value` in decimal.
    mutating func appendDecimal(_ value: some BinaryInteger) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        // The digits last first into 20 bytes (a UInt64 has at most 20), by constant divisions (multiplications),
        // then appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                let (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: 10)
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remainder)
                magnitude = quotient
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// The digits of lowercase hex.
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Lowercase hex digits of `input`, without separators.
    mutating func appendHex(_ input: UnsafeBufferPointer<UInt8>) {
        Self.hexDigits.withUTF8Buffer { digits in
            for byte in input {
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    /// Lowercase hex digits of the readable bytes of `buffer`.
    mutating func appendHex(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { appendHex($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Writes `input` (valid UTF-8) escaped for a quoted string, without the quotes: `"`, `\`, newline, carriage
    /// return, tab and other control characters as in JSON, and a byte that was not UTF-8 (``WireText``'s escape
    /// scalars) as `\xe9` — written `\\xe9` in JSON (`isJSON`), where the backslash itself is escaped.
    mutating func appendEscaped(_ input: UnsafeBufferPointer<UInt8>, isJSON: Bool) {
        var runStart = 0
        var index = 0
        let count = input.count
        while index < count {
            if count - index >= 8, !Self.mayNeedEscape(Self.word(input, at: index)) {
                index += 8
                continue
            }
            let byte = input[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C && byte != 0xF4 {
                index += 1
                continue
            }
            if byte == 0xF4 {
                // U+10FF00…U+10FFFF, WireText's escaped bytes, are F4 8F BC…BF 80…BF in UTF-8.
                guard count - index >= 4, input[index + 1] == 0x8F, input[index + 2] & 0xFC == 0xBC else {
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
                append(isJSON ? "\\\\x" : "\\x")
                let escaped = (input[index + 2] & 0x03) << 6 | (input[index + 3] & 0x3F)
                withUnsafePointer(to: escaped) { appendHex(UnsafeBufferPointer(start: $0, count: 1)) }
                index += 4
                runStart = index
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
            switch byte {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            default:
                append("\\u00")
                withUnsafePointer(to: byte) { appendHex(UnsafeBufferPointer(start: $0, count: 1)) }
            }
            index += 1
            runStart = index
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<count]))
    }

    /// Whether `string` holds bytes that were not UTF-8 (``WireText``'s escape scalars, whose UTF-8 starts with F4).
    static func hasEscapedBytes(_ string: String) -> Bool {
        var string = string
        return string.withUTF8 { $0.contains(0xF4) } && WireText.hasEscapedBytes(string)
    }

    /// `string` as a JSON string: quoted and escaped (see ``appendEscaped(_:isJSON:)``).
    mutating func appendJSONString(_ string: String) {
        var string = string
        bytes.append(UInt8(ascii: "\""))
        string.withUTF8 { appendEscaped($0, isJSON: true) }
        bytes.append(UInt8(ascii: "\""))
    }

    // Eight bytes at a time (SWAR): text is scanned a word at a time while no byte in it needs a closer look.

    /// One in every byte.
    private static let everyByte: UInt64 = 0x0101_0101_0101_0101

    /// The eight bytes of `input` at `index` (at least eight remain).
    @inline(__always)
    private static func word(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt64 {
        UnsafeRawPointer(input.baseAddress! + index).loadUnaligned(as: UInt64.self)
    }

    /// Whether a byte of `word` is below `limit` (at most 0x80). Exact: when no byte is below the limit nothing
    /// borrows, and a byte whose difference has its high bit set (0x80 + limit or more) has it clear in `~word`.
    @inline(__always)
    private static func hasByte(_ word: UInt64, below limit: UInt8) -> Bool {
        (word &- everyByte &* UInt64(limit)) & ~word & (everyByte &* 0x80) != 0
    }

    /// Whether a byte of `word` is `value`.
    @inline(__always)
    private static func hasByte(_ word: UInt64, equalTo value: UInt8) -> Bool {
        hasByte(word ^ (everyByte &* UInt64(value)), below: 1)
    }

    /// Whether a byte of `word` may need escaping in ``appendEscaped(_:isJSON:)``: a control character, `"`, `\`
    /// or the F4 that starts an escaped byte.
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        hasByte(word, below: 0x20) || hasByte(word, equalTo: 0x22) || hasByte(word, equalTo: 0x5C)
            || hasByte(word, equalTo: 0xF4)
    }

    /// Whether every byte of `word` is printable ASCII (0x20…0x7F).
    @inline(__always)
    private static func isPlainASCII(_ word: UInt64) -> Bool {
        word & (everyByte &* 0x80) == 0 && !hasByte(word, below: 0x20)
    }

    /// Whether `input` is valid UTF-8 without control characters other than newline, tab and carriage return:
    /// the bytes that are shown as text rather than hex.
    static func isPrintableText(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = input.count
        while index < count {
            if count - index >= 8, Self.isPlainASCII(Self.word(input, at: index)) {
                index += 8
                continue
            }
            let lead = input[index]
            if lead < 0x80 {
                guard lead >= 0x20 || lead == 0x0A || lead == 0x09 || lead == 0x0D else { return false }
                index += 1
                continue
            }
            // The second byte's range depends on the lead byte (no overlong forms, surrogates or values past
            // U+10FFFF); any further bytes are 80…BF.
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondRange = 0xA0...0xBF
            case 0xED:
                length = 3
                secondRange = 0x80...0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0:
                length = 4
                secondRange = 0x90...0xBF
            case 0xF4:
                length = 4
                secondRange = 0x80...0x8F
            case 0xF1...0xF3: length = 4
            default: return false
            }
            guard count - index >= length, secondRange.contains(input[index + 1]) else { return false }
            for offset in 2..<length where input[index + offset] & 0xC0 != 0x80 {
                return false
            }
            index += length
        }
        return true
    }
}
