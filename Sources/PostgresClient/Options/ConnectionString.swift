/// libpq's two connection string syntaxes, parsed as `PQconninfoParse` parses them: `key=value` conninfo
/// strings and `postgresql://` (or `postgres://`) URIs.
///
/// The result holds only the options the string sets; defaults and environment variables are applied later,
/// by ``ConnectionOptions``. Errors carry libpq's messages.
public enum ConnectionString {
    /// The options `text` sets, by keyword.
    public static func parse(_ text: String) throws(ConnectionOptionError) -> [String: String] {
        let bytes = Array(text.utf8)
        for prefix in ["postgresql://", "postgres://"] where bytes.starts(with: prefix.utf8) {
            return try parseURI(bytes, prefixLength: prefix.utf8.count, text: text)
        }
        return try parseKeyValue(bytes)
    }

    // MARK: key=value

    private static func parseKeyValue(_ bytes: [UInt8]) throws(ConnectionOptionError) -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while index < bytes.count {
            if isSpace(bytes[index]) {
                index += 1
                continue
            }
            let nameStart = index
            var nameEnd = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "=") {
                if isSpace(bytes[index]) {
                    nameEnd = index
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    break
                }
                index += 1
                nameEnd = index
            }
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw ConnectionOptionError("missing \"=\" after \"\(name)\" in connection info string")
            }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "'") {
                index += 1
                while true {
                    guard index < bytes.count else {
                        throw ConnectionOptionError("unterminated quoted string in connection info string")
                    }
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\\") {
                        if index < bytes.count {
                            value.append(bytes[index])
                            index += 1
                        }
                    } else if byte == UInt8(ascii: "'") {
                        break
                    } else {
                        value.append(byte)
                    }
                }
            } else {
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if isSpace(byte) { break }
                    if byte == UInt8(ascii: "\\") {
                        if index < bytes.count {
                            value.append(bytes[index])
                            index += 1
                        }
                    } else {
                        value.append(byte)
                    }
                }
            }
            try store(name, String(decoding: value, as: UTF8.self), in: &options)
        }
        return options
    }

    // MARK: URI

    private static func parseURI(_ bytes: [UInt8], prefixLength: Int, text: String) throws(ConnectionOptionError)
        -> [String: String]
    {
        var options: [String: String] = [:]
        let end = bytes.count
        var index = prefixLength
        func byte(_ position: Int) -> UInt8? { position < end ? bytes[position] : nil }
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        // user[:password]@, when an "@" comes before the first "/".
        var lookahead = index
        while let next = byte(lookahead), next != UInt8(ascii: "@"), next != UInt8(ascii: "/") { lookahead += 1 }
        if byte(lookahead) == UInt8(ascii: "@") {
            var userEnd = index
            while let next = byte(userEnd), next != UInt8(ascii: ":"), next != UInt8(ascii: "@") { userEnd += 1 }
            if userEnd > index { try store("user", try decode(string(index..<userEnd)), in: &options) }
            if byte(userEnd) == UInt8(ascii: ":"), lookahead > userEnd + 1 {
                try store("password", try decode(string(userEnd + 1..<lookahead)), in: &options)
            }
            index = lookahead + 1
        }

        // host[:port][,host[:port]]..., a host in brackets being an IPv6 address.
        var hosts = ""
        var ports = ""
        var terminator: UInt8?
        func isHostEnd(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
                || byte == UInt8(ascii: ",")
        }
        while true {
            if byte(index) == UInt8(ascii: "[") {
                let start = index + 1
                var close = start
                while let next = byte(close), next != UInt8(ascii: "]") { close += 1 }
                guard close < end else {
                    throw ConnectionOptionError(
                        "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"\(text)\""
                    )
                }
                guard close > start else {
                    throw ConnectionOptionError("IPv6 host address may not be empty in URI: \"\(text)\"")
                }
                hosts += string(start..<close)
                index = close + 1
                if let next = byte(index), !isHostEnd(next) {
                    throw ConnectionOptionError(
                        "unexpected character \"\(Character(Unicode.Scalar(next)))\" at position \(index + 1) in URI "
                            + "(expected \":\" or \"/\"): \"\(text)\"")
                }
            } else {
                let start = index
                while let next = byte(index), !isHostEnd(next) { index += 1 }
                hosts += string(start..<index)
            }
            terminator = byte(index)
            if terminator == UInt8(ascii: ":") {
                let start = index + 1
                index = start
                while let next = byte(index), next != UInt8(ascii: "/"), next != UInt8(ascii: "?"),
                    next != UInt8(ascii: ",")
                {
                    index += 1
                }
                ports += string(start..<index)
                terminator = byte(index)
            }
            guard terminator == UInt8(ascii: ",") else { break }
            index += 1
            hosts += ","
            ports += ","
        }
        if !hosts.isEmpty { try store("host", try decode(hosts), in: &options) }
        if !ports.isEmpty { try store("port", try decode(ports), in: &options) }

        // /dbname
        if let terminator, terminator != UInt8(ascii: "?") {
            let start = index + 1
            index = start
            while let next = byte(index), next != UInt8(ascii: "?") { index += 1 }
            if index > start { try store("dbname", try decode(string(start..<index)), in: &options) }
        }
        // ?key=value&...
        if index < end {
            try parseQuery(Array(bytes[(index + 1)...]), into: &options)
        }
        return options
    }

    private static func parseQuery(_ query: [UInt8], into options: inout [String: String])
        throws(ConnectionOptionError)
    {
        for parameter in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false)
        where !(parameter.isEmpty && parameter.endIndex == query.endIndex) {
            let parts = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let rawKeyword = String(decoding: parts[0], as: UTF8.self)
            guard parts.count == 2 else {
                throw ConnectionOptionError(
                    "missing key/value separator \"=\" in URI query parameter: \"\(rawKeyword)\"")
            }
            guard !parts[1].contains(UInt8(ascii: "=")) else {
                throw ConnectionOptionError(
                    "extra key/value separator \"=\" in URI query parameter: \"\(rawKeyword)\"")
            }
            var keyword = try decode(rawKeyword)
            var value = try decode(String(decoding: parts[1], as: UTF8.self))
            if keyword == "ssl" && value == "true" {
                keyword = "sslmode"
                value = "require"
            }
            guard ConnectionKeyword.named(keyword) != nil || keyword == "requiressl" else {
                throw ConnectionOptionError("invalid URI query parameter: \"\(keyword)\"")
            }
            try store(keyword, value, in: &options)
        }
    }

    /// Percent-decodes a URI component as libpq does: `%` must be followed by two hex digits, and `%00` is refused.
    private static func decode(_ text: String) throws(ConnectionOptionError) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "%") else {
                output.append(bytes[index])
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            else {
                throw ConnectionOptionError("invalid percent-encoded token: \"\(text)\"")
            }
            guard high != 0 || low != 0 else {
                throw ConnectionOptionError("forbidden value %00 in percent-encoded value: \"\(text)\"")
            }
            output.append(high << 4 | low)
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Stores one option as libpq's `conninfo_storeval` does, translating the old `requiressl`.
    private static func store(_ keyword: String, _ value: String, in options: inout [String: String])
        throws(ConnectionOptionError)
    {
        if keyword == "requiressl" {
            options["sslmode"] = value.hasPrefix("1") ? "require" : "prefer"
            return
        }
        guard ConnectionKeyword.named(keyword) != nil else {
            throw ConnectionOptionError("invalid connection option \"\(keyword)\"")
        }
        options[keyword] = value
    }
}
