import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `client_encoding` of a session: the text a client sends is in it and is read into UTF-8, and the text the
/// server sends is written in it, as PostgreSQL converts between a UTF-8 database and its clients; through the
/// C library's iconv. UTF8 and SQL_ASCII need no conversion (SQL_ASCII passes bytes as they are).
struct ClientEncoding: Sendable, Hashable {
    /// PostgreSQL's name of the encoding (`LATIN1`, `WIN1252`).
    var name: String
    /// iconv's name of it.
    var iconvName: String

    /// PostgreSQL's encodings as its `pg_char_to_encoding` reads their names (letters and digits only, any case),
    /// with the names PostgreSQL reports and iconv's for them; UTF8 and SQL_ASCII are not among them.
    private static let encodings: [String: (name: String, iconv: String)] = {
        var table: [String: (String, String)] = [:]
        func add(_ name: String, _ iconv: String, aliases: [String] = []) {
            for alias in [name] + aliases { table[normalized(alias)] = (name, iconv) }
        }
        let latins = [
            ("LATIN1", "ISO-8859-1", "iso88591"), ("LATIN2", "ISO-8859-2", "iso88592"),
            ("LATIN3", "ISO-8859-3", "iso88593"), ("LATIN4", "ISO-8859-4", "iso88594"),
            ("LATIN5", "ISO-8859-9", "iso88599"), ("LATIN6", "ISO-8859-10", "iso885910"),
            ("LATIN7", "ISO-8859-13", "iso885913"), ("LATIN8", "ISO-8859-14", "iso885914"),
            ("LATIN9", "ISO-8859-15", "iso885915"), ("LATIN10", "ISO-8859-16", "iso885916"),
        ]
        for (name, iconv, alias) in latins { add(name, iconv, aliases: [alias]) }
        for number in ["5", "6", "7", "8"] { add("ISO_8859_\(number)", "ISO-8859-\(number)") }
        for number in ["1250", "1251", "1252", "1253", "1254", "1255", "1256", "1257", "1258", "866", "874"] {
            add("WIN\(number)", "CP\(number)", aliases: ["windows\(number)"])
        }
        add("WIN1251", "CP1251", aliases: ["win", "windows1251"])
        add("WIN866", "CP866", aliases: ["alt", "windows866"])
        add("WIN1258", "CP1258", aliases: ["abc", "tcvn", "tcvn5712", "vscii", "windows1258"])
        add("KOI8R", "KOI8-R", aliases: ["koi8"])
        add("KOI8U", "KOI8-U")
        add("SJIS", "SHIFT_JIS", aliases: ["mskanji", "shiftjis", "win932", "windows932"])
        add("SHIFT_JIS_2004", "SHIFT_JISX0213")
        add("EUC_JP", "EUC-JP")
        add("EUC_JIS_2004", "EUC-JISX0213")
        add("EUC_CN", "EUC-CN")
        add("EUC_KR", "EUC-KR")
        add("EUC_TW", "EUC-TW")
        add("BIG5", "BIG5", aliases: ["win950", "windows950"])
        add("GBK", "GBK", aliases: ["win936", "windows936"])
        add("GB18030", "GB18030")
        add("UHC", "CP949", aliases: ["win949", "windows949"])
        add("JOHAB", "JOHAB")
        return table
    }()

    /// `name` as `pg_char_to_encoding` compares it: its letters and digits, lowercased.
    private static func normalized(_ name: String) -> String {
        String(name.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    /// The encoding the `client_encoding` setting `setting` names; `nil` for UTF8, SQL_ASCII and names that are
    /// no encoding PostgreSQL has (which need no conversion or are not converted).
    init?(setting: String) {
        guard let (name, iconv) = Self.encodings[Self.normalized(setting)] else { return nil }
        self.name = name
        self.iconvName = iconv
    }

    /// PostgreSQL's name of the encoding the `client_encoding` setting `setting` names, as SHOW and ParameterStatus
    /// give it (`latin1` → `LATIN1`, `unicode` → `UTF8`, `sql-ascii` → `SQL_ASCII`); `nil` for no encoding.
    static func canonicalName(of setting: String) -> String? {
        switch normalized(setting) {
        case "utf8", "unicode": "UTF8"
        case "sqlascii": "SQL_ASCII"
        case let name: encodings[name]?.name
        }
    }

    /// Why text cannot be converted: PostgreSQL's error.
    struct Failure: Error {
        var diagnostic: DiagnosticMessage
    }

    /// Text from the client (its bytes as ``WireText`` keeps them) read into UTF-8; PostgreSQL's 22021 for bytes
    /// that are not text in this encoding.
    func decode(_ text: String) throws(Failure) -> String {
        // ASCII is ASCII in every client encoding PostgreSQL has (SJIS and BIG5 included for the bytes below 0x80).
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        let bytes = WireText.originalBytes(text)
        guard let converted = Self.convert(bytes, from: iconvName, to: "UTF-8") else {
            throw Failure(
                diagnostic: DiagnosticMessage(
                    severity: "ERROR", sqlState: "22021",
                    message: "invalid byte sequence for encoding \"\(name)\": \(Self.invalidBytes(bytes, iconvName))"))
        }
        return String(decoding: converted, as: UTF8.self)
    }

    /// Text for the client as ``WireText`` keeps bytes (so that `writeWireText` writes them); PostgreSQL's 22P05 for
    /// a character this encoding does not have.
    func encode(_ text: String) throws(Failure) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        guard let converted = Self.convert(Array(WireText.originalBytes(text)), from: "UTF-8", to: iconvName) else {
            throw Failure(diagnostic: untranslatable(text))
        }
        return WireText.decode(converted[...])
    }

    /// PostgreSQL's 22P05 for the first character of `text` this encoding does not have.
    private func untranslatable(_ text: String) -> DiagnosticMessage {
        var shown = "?"
        for character in text.unicodeScalars where !character.isASCII {
            let bytes = Array(String(character).utf8)
            if Self.convert(bytes, from: "UTF-8", to: iconvName) == nil {
                shown = bytes.map { "0x" + ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
                break
            }
        }
        return DiagnosticMessage(
            severity: "ERROR", sqlState: "22P05",
            message: "character with byte sequence \(shown) in encoding \"UTF8\" has no equivalent in encoding "
                + "\"\(name)\"")
    }

    /// The bytes PostgreSQL's 22021 names: the first that iconv does not read, and the one after it.
    private static func invalidBytes(_ bytes: [UInt8], _ encoding: String) -> String {
        var length = 1
        while length <= bytes.count, convert(Array(bytes.prefix(length)), from: encoding, to: "UTF-8") != nil {
            length += 1
        }
        let start = max(0, length - 1)
        return bytes[start..<min(start + 2, bytes.count)].map { "0x" + ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }
            .joined(separator: " ")
    }

    /// `bytes` converted by iconv, `nil` when iconv cannot (an invalid sequence, a character the target lacks, or an
    /// encoding it does not know).
    static func convert(_ bytes: some Collection<UInt8>, from source: String, to target: String) -> [UInt8]? {
        let descriptor = iconv_open(target, source)
        guard descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }
        var input = Array(bytes)
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        let outputCapacity = output.count
        let remaining: Int? = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inputBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inputLeft = inputBuffer.count
                var outputLeft = outputBuffer.count
                guard iconv(descriptor, &inputPointer, &inputLeft, &outputPointer, &outputLeft) != -1, inputLeft == 0,
                    iconv(descriptor, nil, nil, &outputPointer, &outputLeft) != -1
                else { return nil }
                return outputLeft
            }
        }
        guard let remaining else { return nil }
        return Array(output.prefix(outputCapacity - remaining))
    }

    /// `outcome` with every text the server sends for it in this encoding: values, column names, tags, messages of
    /// errors and notices, notifications, COPY data; a value this encoding cannot hold makes the outcome
    /// PostgreSQL's 22P05.
    func encode(_ outcome: QueryOutcome) -> QueryOutcome {
        do throws(Failure) {
            return try encoded(outcome)
        } catch {
            return .error(error.diagnostic)
        }
    }

    private func encoded(_ outcome: QueryOutcome) throws(Failure) -> QueryOutcome {
        func rows(_ rows: [[String?]]) throws(Failure) -> [[String?]] {
            var result = rows
            for (rowIndex, row) in rows.enumerated() {
                for (index, value) in row.enumerated() {
                    if let value { result[rowIndex][index] = try encode(value) }
                }
            }
            return result
        }
        switch outcome {
        case .rows(let columns, let values, let tag):
            var names: [String] = []
            for column in columns { names.append(try encode(column)) }
            return .rows(columns: names, rows: try rows(values), tag: try encode(tag))
        case .result(var columns, let values, let tag):
            for index in columns.indices { columns[index].name = try encode(columns[index].name) }
            return .result(columns: columns, rows: try rows(values), tag: try encode(tag))
        case .command(let tag, let effect):
            return .command(tag: try encode(tag), effect: effect)
        case .error(let diagnostic):
            return .error(encodedDiagnostic(diagnostic))
        case .copyOut(let text):
            return .copyOut(try encode(text))
        case .notices(let notices, let outcome):
            return .notices(notices.map(encodedDiagnostic), then: try encoded(outcome))
        case .notifying(var notifications, let outcome):
            for index in notifications.indices {
                notifications[index].channel = try encode(notifications[index].channel)
                notifications[index].payload = try encode(notifications[index].payload)
            }
            return .notifying(notifications, after: try encoded(outcome))
        case .delayed(let amount, let outcome):
            return .delayed(amount, then: try encoded(outcome))
        case .closing(let outcome):
            return .closing(after: try outcome.map { outcome throws(Failure) in try encoded(outcome) })
        case .emptyCopyOut(let columns, let format, let delimiter):
            var names: [String] = []
            for column in columns { names.append(try encode(column)) }
            return .emptyCopyOut(columns: names, format: format, delimiter: delimiter)
        case .empty, .copyIn:
            return outcome
        }
    }

    /// An error or notice with its texts in this encoding; a character it cannot hold as `?`, as the message must
    /// reach the client.
    func encodedDiagnostic(_ diagnostic: DiagnosticMessage) -> DiagnosticMessage {
        var diagnostic = diagnostic
        for index in diagnostic.fields.indices {
            let value = diagnostic.fields[index].value
            if let encoded = try? encode(value) {
                diagnostic.fields[index].value = encoded
            } else {
                let replaced = String(
                    String.UnicodeScalarView(
                        value.unicodeScalars.map { scalar in
                            (try? encode(String(scalar))) != nil ? scalar : "?"
                        }))
                diagnostic.fields[index].value = (try? encode(replaced)) ?? replaced
            }
        }
        return diagnostic
    }
}
