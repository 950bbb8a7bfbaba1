/// The form in which `pgw decode` prints an ErrorResponse or NoticeResponse, and which the text form reads back to
/// the same bytes: the severity, the SQLSTATE and the message as they read, then every further field in wire order
/// as `name="value"`:
///
/// ```text
/// ERROR 23505 duplicate key value violates unique constraint "u_pkey" detail="Key (a)=(1) already exists." …
/// ```
///
/// It carries the fields PostgreSQL sends (since 9.6): the severity twice (localized and not, the same), the code and
/// the message first. A message in another shape (a localized severity, no code, a message that reads like a field:
/// ` name="`) is written with every field as `name="value"` instead, which reads back as exactly.
enum PlainDiagnostic {
    /// The parts of the plain form of `diagnostic`, or `nil` when it cannot carry it exactly.
    static func parts(of diagnostic: DiagnosticMessage) -> (
        severity: String, code: String, message: String, extras: ArraySlice<DiagnosticMessage.Field>
    )? {
        let fields = diagnostic.fields
        guard !diagnostic.isLegacy, fields.count >= 4, fields[0].code == .localizedSeverity,
            fields[1].code == .severity, fields[0].value == fields[1].value, fields[2].code == .sqlState,
            fields[3].code == .message
        else { return nil }
        let (severity, code, message) = (fields[1].value, fields[2].value, fields[3].value)
        guard isSeverity(severity), isCode(code), isMessage(message) else { return nil }
        let extras = fields[4...]
        guard extras.allSatisfy({ isFieldName($0.code.name) }) else { return nil }
        return (severity, code, message, extras)
    }

    /// Splits what follows the severity and code into the message and whether fields follow it: they start at the
    /// first ` name="` from which the rest reads as fields (known names, quoted values).
    static func split(_ text: String) -> (message: String, hasFields: Bool) {
        let characters = Array(text)
        for start in fieldStarts(in: characters) {
            var scanner = TextFormScanner(line: String(characters[(start + 1)...]))
            let items: [TextFormItem]
            do {
                items = try scanner.items()
            } catch {
                // A value `pgw decode` cut (`"…(300 bytes)`): the fields start here, and reading them reports the cut.
                if error.reason.hasPrefix(TextFormScanner.cutValueReason) {
                    return (String(characters[..<start]), true)
                }
                continue
            }
            guard
                items.allSatisfy({ item in
                    guard let name = item.name, DiagnosticField(name: name) != nil, case .string = item.value.shape
                    else { return false }
                    return true
                })
            else { continue }
            return (String(characters[..<start]), true)
        }
        return (text, false)
    }

    /// Whether `severity` reads back as one word: `ERROR`, `NOTICE`.
    private static func isSeverity(_ severity: String) -> Bool {
        !severity.isEmpty && severity != "legacy"
            && severity.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Whether `code` is a SQLSTATE as the plain form reads it: five upper-case letters or digits.
    static func isCode<Code: StringProtocol>(_ code: Code) -> Bool {
        code.count == 5 && code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    /// Whether `message` reads back as it is, unquoted: not empty, no leading space, no control character or byte
    /// that is not UTF-8 (they are escaped when shown), and nothing that reads as the start of a field.
    private static func isMessage(_ message: String) -> Bool {
        guard let first = message.first, !first.isWhitespace else { return false }
        let isPlain = message.utf8.allSatisfy { $0 >= 0x20 && $0 != 0xF4 && $0 != 0x7F }
        return isPlain && fieldStarts(in: Array(" " + message)).isEmpty
    }

    /// Whether `name` is written bare before `=`, as ``split(_:)`` finds it: a letter or `_`, then letters, digits or
    /// `_`.
    private static func isFieldName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// The positions of the spaces in `characters` that a field name, `=` and a quote follow (` detail="`).
    private static func fieldStarts(in characters: [Character]) -> [Int] {
        var starts: [Int] = []
        for index in characters.indices where characters[index] == " " {
            var end = index + 1
            while end < characters.count, characters[end].isASCII,
                characters[end].isLetter || characters[end] == "_" || (end > index + 1 && characters[end].isNumber)
            {
                end += 1
            }
            if end > index + 1, end + 1 < characters.count, characters[end] == "=", characters[end + 1] == "\"" {
                starts.append(index)
            }
        }
        return starts
    }
}
