/// A cursor over the comma-separated `x=value` attributes of a SCRAM message, reading them as PostgreSQL's
/// auth-scram.c does: a name is one ASCII letter and a value runs to the next comma, which is consumed.
struct SCRAMAttributeReader {
    private let message: [UInt8]
    /// The offset of the next unread byte.
    private(set) var offset = 0

    /// A reader at the start of `message`, which must be neither empty nor contain a NUL byte
    /// (PostgreSQL reads messages as C strings).
    init(_ message: [UInt8]) throws(SCRAMError) {
        guard !message.isEmpty else { throw .malformedMessage("The message is empty.") }
        // PostgreSQL's words: the C string ends before the message does.
        guard !message.contains(0) else { throw .malformedMessage("Message length does not match input length.") }
        self.message = message
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset == message.count }

    /// The next unread byte, `nil` at the end.
    var next: UInt8? { isAtEnd ? nil : message[offset] }

    /// The unread bytes.
    var rest: ArraySlice<UInt8> { message[offset...] }

    /// The next unread byte for error messages as PostgreSQL's `sanitize_char` shows it, quoted: `"'x'"` when
    /// printable, else its code (`"0x01"`; `"0x00"` at the end, where PostgreSQL reads the C string's zero).
    var describedNext: String {
        let byte = next ?? 0
        guard !(0x21...0x7E).contains(byte) else { return "\"'\(Unicode.Scalar(byte))'\"" }
        return "\"0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16) + "\""
    }

    /// The message's bytes before `offset`.
    func prefix(upTo offset: Int) -> ArraySlice<UInt8> {
        message[..<offset]
    }

    /// Consumes `character` when it comes next, and reports whether it did.
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard next == UInt8(ascii: character) else { return false }
        offset += 1
        return true
    }

    /// Reads attribute `name`, which must come next, and returns its value.
    mutating func read(_ name: Unicode.Scalar) throws(SCRAMError) -> ArraySlice<UInt8> {
        guard next == UInt8(ascii: name) else {
            throw .malformedMessage("Expected attribute \"\(name)\" but found \(describedNext).")
        }
        return try readValue(of: name)
    }

    /// Reads whichever attribute comes next and returns its name and value.
    mutating func readAny() throws(SCRAMError) -> (name: Unicode.Scalar, value: ArraySlice<UInt8>) {
        guard let name = next.map(Unicode.Scalar.init), ("a"..."z").contains(name) || ("A"..."Z").contains(name)
        else {
            throw .malformedMessage(
                isAtEnd
                    ? "Attribute expected, but found end of string."
                    : "Attribute expected, but found invalid character \(describedNext).")
        }
        return (name, try readValue(of: name))
    }

    private mutating func readValue(of name: Unicode.Scalar) throws(SCRAMError) -> ArraySlice<UInt8> {
        offset += 1
        guard skip("=") else { throw .malformedMessage("Expected character \"=\" for attribute \"\(name)\".") }
        let end = message[offset...].firstIndex(of: UInt8(ascii: ",")) ?? message.count
        defer { offset = min(end + 1, message.count) }
        return message[offset..<end]
    }
}
