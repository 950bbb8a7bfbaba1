import NIOCore

/// Reads the one-line text form that ``MessageRendering/textLine`` prints (`Query "select 1"`,
/// `Execute portal="" maxRows=10`) back into a message and its bytes.
///
/// Lines rendered with ``RenderOptions/lossless`` parse back to the exact bytes they were rendered from. For typing
/// by hand, omitted fields take defaults (`Execute` alone is the unnamed portal without a row limit), type names are
/// matched in any case, a leading `F` or `B` (as `pgw decode` prints) is accepted, and `\hex 51 00 00 00 0d …`
/// gives raw bytes. Deliberately wrong messages: `length=N` sets the length word of any message (in a
/// StartupMessage, `length=N` unquoted; `length="N"` is a parameter called length) and `count=N` the parameter
/// count of a Bind.
public struct TextFormParser: Sendable {
    /// Which side's messages the lines are: `CopyData` and `CopyDone` exist on both.
    public var direction: MessageDirection
    /// Whether a masked secret key (`key=****`, as `pgw decode` prints a BackendKeyData or CancelRequest without
    /// `--reveal-secrets`) is read, as four zero bytes: for readers that put their own key in its place (`pgw serve`
    /// issues its own at login). Otherwise it is an error.
    public var acceptsMaskedKeys: Bool

    /// A parser for the messages `direction` sends.
    public init(direction: MessageDirection, acceptsMaskedKeys: Bool = false) {
        self.direction = direction
        self.acceptsMaskedKeys = acceptsMaskedKeys
    }

    /// The names of the messages a side sends, in the protocol docs' spelling.
    public static func typeNames(of direction: MessageDirection) -> [String] {
        switch direction {
        case .frontend:
            [
                "Bind", "CancelRequest", "Close", "CopyData", "CopyDone", "CopyFail", "Describe", "Execute", "Flush",
                "FunctionCall", "GSSENCRequest", "GSSResponse", "Parse", "PasswordMessage", "Query",
                "SASLInitialResponse", "SASLResponse", "SSLRequest", "StartupMessage", "Sync", "Terminate",
            ]
        case .backend:
            [
                "AuthenticationOk", "AuthenticationKerberosV5", "AuthenticationCleartextPassword",
                "AuthenticationMD5Password", "AuthenticationGSS", "AuthenticationGSSContinue", "AuthenticationSSPI",
                "AuthenticationSASL", "AuthenticationSASLContinue", "AuthenticationSASLFinal", "BackendKeyData",
                "BindComplete", "CloseComplete", "CommandComplete", "CopyData", "CopyDone", "CopyInResponse",
                "CopyOutResponse", "CopyBothResponse", "DataRow", "EmptyQueryResponse", "ErrorResponse",
                "FunctionCallResponse", "GSSENCResponse", "NegotiateProtocolVersion", "NoData", "NoticeResponse",
                "NotificationResponse", "ParameterDescription", "ParameterStatus", "ParseComplete", "PortalSuspended",
                "ReadyForQuery", "RowDescription", "SSLResponse",
            ]
        }
    }

    /// Whether `text` ends inside a quoted string: a line typed so far continues on the next one (the line break
    /// belongs to the string), as psql continues an unterminated quote.
    public static func endsInsideString(_ text: String) -> Bool {
        var isInString = false
        var isEscaped = false
        for character in text {
            if isEscaped {
                isEscaped = false
            } else if isInString && character == "\\" {
                isEscaped = true
            } else if character == "\"" {
                isInString.toggle()
            }
        }
        return isInString
    }

    /// The side that `line` says sends its message, and the line from that mark on: `F` (frontend) or `B`
    /// (backend) first, after the time and connection number a log line may start with; `nil` without either.
    public static func sender(of line: String) -> (direction: MessageDirection, message: Substring)? {
        var scanner = TextFormScanner(line: line)
        guard scanner.skipSpace(comments: false) else { return nil }
        scanner.skipLogPrefix()
        let start = scanner.column
        guard case .word(let name)? = scanner.word()?.shape, name == "F" || name == "B" else { return nil }
        return (name == "F" ? .frontend : .backend, line.dropFirst(start))
    }

    /// Whether `line` is a note about a connection, as `pgw decode` and `pgw proxy` print them among the messages
    /// (`04:23:49.318212 #1 -- connection 127.0.0.1:35232 -> 127.0.0.1:5432`, `-- closed (FIN)`): `--` first, after
    /// the time and connection number a log line may start with. Readers of pasted sessions skip them.
    public static func isNote(_ line: String) -> Bool {
        var scanner = TextFormScanner(line: line)
        guard scanner.skipSpace(comments: false) else { return false }
        scanner.skipLogPrefix()
        return line.dropFirst(scanner.column).hasPrefix("--")
    }

    /// Parses one line; the error points at the bad token. `parameterTypes` gives the parameter types of a prepared
    /// statement (from its Parse, or a ParameterDescription), so that a Bind's typed values in binary format
    /// (`parameters=[41] formats=[binary]`, as `pgw decode` prints them) are encoded by their type; `nil` when not
    /// known.
    public func parse(
        _ line: String, parameterTypes: (_ statement: String) -> [UInt32]? = { _ in nil }
    ) throws(TextFormError) -> TextFormLine {
        var scanner = TextFormScanner(line: line)
        guard scanner.skipSpace(comments: false) else { throw scanner.error("expected a message type", at: 0) }
        scanner.skipLogPrefix()
        guard var type = scanner.word(), case .word(var name) = type.shape else {
            throw scanner.error("expected a message type", at: scanner.column)
        }
        if name == "\\hex" { return TextFormLine(message: nil, bytes: try Self.hexBytes(&scanner)) }
        if name == "F" || name == "B" {
            let sender: MessageDirection = name == "F" ? .frontend : .backend
            guard sender == direction else {
                throw scanner.error("'\(name)' marks a \(sender) message; this side sends \(direction) messages", at: 0)
            }
            _ = scanner.skipSpace(comments: false)
            guard let next = scanner.word(), case .word(let nextName) = next.shape else {
                throw scanner.error("expected a message type", at: scanner.column)
            }
            (type, name) = (next, nextName)
        }
        if name.lowercased() == "unknown" { return TextFormLine(message: nil, bytes: try Self.unknownBytes(&scanner)) }
        guard let canonical = Self.typeNames(of: direction).first(where: { $0.lowercased() == name.lowercased() })
        else {
            let other: MessageDirection = direction == .frontend ? .backend : .frontend
            let isOther = Self.typeNames(of: other).contains { $0.lowercased() == name.lowercased() }
            throw scanner.error(
                isOther
                    ? "\(name) is a \(other) message; this side sends \(direction) messages"
                    : "unknown message type '\(name)'; \\help lists them",
                at: type.column)
        }
        if direction == .backend, canonical == "ErrorResponse" || canonical == "NoticeResponse",
            let diagnostic = try Self.plainDiagnostic(&scanner)
        {
            let message: BackendMessage =
                canonical == "ErrorResponse" ? .errorResponse(diagnostic) : .noticeResponse(diagnostic)
            return TextFormLine(message: .backend(message), bytes: Self.encoded(.backend(message)))
        }
        var arguments = TextFormArguments(scanner: scanner, items: try scanner.items())
        arguments.acceptsMaskedKeys = acceptsMaskedKeys
        // In a StartupMessage, `length="3"` (quoted, as parameters are printed) is a parameter called length.
        let length = canonical == "StartupMessage" ? arguments.namedWord("length") : arguments.named("length")
        let count = canonical == "Bind" ? arguments.named("count") : nil
        let message: WireMessage
        switch direction {
        case .frontend: message = .frontend(try Self.frontend(canonical, &arguments, parameterTypes: parameterTypes))
        case .backend: message = .backend(try Self.backend(canonical, &arguments))
        }
        try arguments.finish(canonical)
        var line = TextFormLine(message: message, bytes: Self.encoded(message))
        if let count, case .frontend(.bind(let bind)) = message {
            let value = try arguments.integer(count.value, as: Int16.self, what: "a parameter count")
            let offset =
                5 + bind.portal.utf8.count + 1 + bind.statement.utf8.count + 1 + 2 + 2 * bind.parameterFormats.count
            line.bytes.setInteger(value, at: line.bytes.readerIndex + offset)
            line.alterations.append("parameter count \(value) (correct: \(bind.parameters.count))")
        }
        if let length {
            let value = try arguments.integer(length.value, as: Int32.self, what: "a length")
            guard let offset = Self.lengthOffset(of: message) else {
                throw arguments.error("\(canonical) has no length word", at: length.column)
            }
            let correct = line.bytes.getInteger(at: line.bytes.readerIndex + offset, as: Int32.self)!
            line.bytes.setInteger(value, at: line.bytes.readerIndex + offset)
            line.alterations.append("length word \(value) (correct: \(correct))")
        }
        return line
    }

    private static func encoded(_ message: WireMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        switch message {
        case .frontend(let frontend): frontend.encode(into: &buffer)
        case .backend(let backend): backend.encode(into: &buffer)
        }
        return buffer
    }

    /// Where the length word is: after the type byte, or first for the untyped startup-phase packets.
    private static func lengthOffset(of message: WireMessage) -> Int? {
        switch message {
        case .frontend(let frontend): return frontend.typeByte == nil ? 0 : 1
        case .backend(.sslResponse), .backend(.gssENCResponse): return nil
        case .backend(.errorResponse(let diagnostic)), .backend(.noticeResponse(let diagnostic)):
            return diagnostic.isLegacy ? nil : 1
        case .backend: return 1
        }
    }

    /// The bytes of a message `pgw proxy` logged as `Unknown length=N (reason) 5100000002…`: the hex at the end of
    /// the line, sent as they are (as `\hex` sends them; `length=` and the reason only describe them). A line whose
    /// bytes were cut (`…`) is refused.
    private static func unknownBytes(_ scanner: inout TextFormScanner) throws(TextFormError) -> ByteBuffer {
        let (rest, column) = scanner.rest()
        let hint = "an Unknown line is sent by the bytes in hex at its end, as pgw proxy logs them; "
        guard let last = rest.split(whereSeparator: \.isWhitespace).last else {
            throw scanner.error(hint + "or send raw bytes with \\hex 51 00 00 00 0d …", at: column + rest.count)
        }
        let lastColumn = column + rest.distance(from: rest.startIndex, to: last.startIndex)
        if last.hasSuffix("…") {
            throw scanner.error(
                "the line shows only the first bytes of the message (… marks the cut), so it cannot be sent; "
                    + "write them whole with \\hex", at: lastColumn + last.count - 1)
        }
        guard last.utf8.count.isMultiple(of: 2), last.utf8.allSatisfy(\.isHexDigit) else {
            throw scanner.error(
                hint + "expected pairs of hex digits here (or send raw bytes with \\hex 51 00 00 00 0d …)",
                at: lastColumn)
        }
        return ByteBuffer(bytes: TextFormArguments.hexBytes(last.utf8))
    }

    /// `\hex 51 00 00 00 0d …`: pairs of hex digits, spaces anywhere between pairs.
    private static func hexBytes(_ scanner: inout TextFormScanner) throws(TextFormError) -> ByteBuffer {
        var bytes: [UInt8] = []
        while scanner.skipSpace(comments: false) {
            let column = scanner.column
            guard let word = scanner.word(), case .word(let digits) = word.shape, digits.utf8.count.isMultiple(of: 2),
                digits.utf8.allSatisfy(\.isHexDigit)
            else { throw scanner.error("expected pairs of hex digits, such as 51 00 00 00 0d", at: column) }
            bytes += TextFormArguments.hexBytes(digits.utf8)
        }
        guard !bytes.isEmpty else { throw scanner.error("\\hex needs the bytes to send", at: scanner.column) }
        return ByteBuffer(bytes: bytes)
    }

    /// The form `pgw decode` prints by default (``PlainDiagnostic``), `ERROR 22012 division by zero`, the fields after
    /// the message as `name="value"` (`detail="…" hint="…"`); `nil` when the line uses `name=value` fields
    /// throughout or `legacy "…"` instead.
    private static func plainDiagnostic(_ scanner: inout TextFormScanner) throws(TextFormError) -> DiagnosticMessage? {
        var lookahead = scanner
        guard lookahead.skipSpace(comments: false), let first = lookahead.word(),
            case .word(let severity) = first.shape,
            severity != "legacy",
            lookahead.column == scanner.line.count || scanner.line.dropFirst(lookahead.column).first != "="
        else { return nil }
        _ = lookahead.skipSpace(comments: false)
        let (rest, restColumn) = lookahead.rest()
        let words = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard let code = words.first, PlainDiagnostic.isCode(code) else {
            return DiagnosticMessage(fields: [
                DiagnosticMessage.Field(.localizedSeverity, severity), DiagnosticMessage.Field(.severity, severity),
                DiagnosticMessage.Field(.message, rest),
            ])
        }
        let (message, hasFields) = PlainDiagnostic.split(words.count > 1 ? String(words[1]) : "")
        var diagnostic = DiagnosticMessage(severity: severity, sqlState: String(code), message: message)
        guard hasFields else { return diagnostic }
        // The fields are read from the line itself, so that an error in them points into it.
        var fieldScanner = TextFormScanner(line: scanner.line)
        fieldScanner.skip(to: restColumn + code.count + 1 + message.count + 1)
        var arguments = TextFormArguments(scanner: fieldScanner, items: try fieldScanner.items())
        diagnostic.fields += try arguments.diagnostic().fields
        return diagnostic
    }
}
