/// Reads libpg_query's JSON output into a ``ParseTreeNode`` in one pass over its bytes.
///
/// Foundation's `JSONDecoder` took seconds for a statement of a few thousand columns (a `Decodable` enum tries each
/// kind of node in turn, and every failed try builds an error with its coding path), which let one client's Bind
/// hold an event loop; this reader is linear in the size of the JSON.
struct ParseTreeJSONReader {
    /// Nesting deeper than this is refused (the statement gets PostgreSQL's 54001), as `JSONDecoder`'s limit was.
    static let maximumDepth = 512

    /// The JSON text.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Where reading is.
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The tree `json` holds; `nil` when it is not well-formed JSON or nests deeper than ``maximumDepth``.
    static func read(_ json: UnsafeBufferPointer<UInt8>) -> ParseTreeNode? {
        var reader = ParseTreeJSONReader(bytes: json)
        guard let node = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.index == json.count ? node : nil
    }

    /// Whether the byte at the reading position is `character` (then it is read).
    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    /// Any value, `depth` levels down.
    private mutating func value(depth: Int) -> ParseTreeNode? {
        guard depth <= Self.maximumDepth else { return nil }
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(ParseTreeNode.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    private mutating func object(depth: Int) -> ParseTreeNode? {
        index += 1
        var members: [String: ParseTreeNode] = [:]
        skipWhitespace()
        if take("}") { return .object(members) }
        repeat {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard take(":"), let member = value(depth: depth + 1) else { return nil }
            members[key] = member
            skipWhitespace()
        } while take(",")
        return take("}") ? .object(members) : nil
    }

    private mutating func array(depth: Int) -> ParseTreeNode? {
        index += 1
        var elements: [ParseTreeNode] = []
        skipWhitespace()
        if take("]") { return .array(elements) }
        repeat {
            guard let element = value(depth: depth + 1) else { return nil }
            elements.append(element)
            skipWhitespace()
        } while take(",")
        return take("]") ? .array(elements) : nil
    }

    /// A string at the reading position (its opening quote), its escapes undone.
    private mutating func string() -> String? {
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            index += 1
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        // With escapes: the bytes so far, then character by character.
        var text = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    text.append(contentsOf: String(scalar).utf8)
                default: text.append(escape)  // `\"`, `\\`, `\/`
                }
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// The scalar of a `\uXXXX` escape (after its `\u`), or of a surrogate pair of two.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hexQuad() else { return nil }
        guard (0xD800..<0xDC00).contains(first) else { return Unicode.Scalar(first) }
        guard take("\\"), take("u"), let second = hexQuad(), (0xDC00..<0xE000).contains(second) else { return nil }
        return Unicode.Scalar(0x10000 + (first - 0xD800) << 10 + (second - 0xDC00))
    }

    /// Four hex digits.
    private mutating func hexQuad() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() -> ParseTreeNode? {
        let start = index
        while index < bytes.count,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) || bytes[index] == UInt8(ascii: "-")
                || bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: ".")
                || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")
        {
            index += 1
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return Double(text).map(ParseTreeNode.number)
    }

    /// A keyword (`true`, `false`, `null`) that stands for `node`.
    private mutating func literal(_ word: StaticString, _ node: ParseTreeNode) -> ParseTreeNode? {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count,
            word.withUTF8Buffer({ $0.elementsEqual(bytes[index..<(index + length)]) })
        else { return nil }
        index += length
        return node
    }
}
