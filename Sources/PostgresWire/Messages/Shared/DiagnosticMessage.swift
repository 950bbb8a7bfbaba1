import NIOCore

/// The body of an ErrorResponse or NoticeResponse: an ordered list of coded fields.
public struct DiagnosticMessage: Sendable, Hashable {
    /// One field: its code and text.
    public struct Field: Sendable, Hashable {
        /// The field's code.
        public var code: DiagnosticField
        /// The field's text.
        public var value: String

        /// A field with `code` and `value`.
        public init(_ code: DiagnosticField, _ value: String) {
            self.code = code
            self.value = value
        }
    }

    /// The fields in wire order.
    public var fields: [Field]
    /// Whether this is a pre-3.0 error: `E`, then one zero-terminated text, with no length word and no field
    /// codes. Its text is the one `message` field. PostgreSQL still sends it to a client that asks for a
    /// protocol version before 3.0 (see ``unsupportedProtocolVersion(_:newest:)``).
    public var isLegacy: Bool

    /// A message with `fields`, in wire order.
    public init(fields: [Field]) {
        self.fields = fields
        self.isLegacy = false
    }

    /// A pre-3.0 error carrying `text` verbatim, PostgreSQL's `"SEVERITY:  message\n"`.
    public static func legacy(_ text: String) -> DiagnosticMessage {
        var diagnostic = DiagnosticMessage(fields: [Field(.message, text)])
        diagnostic.isLegacy = true
        return diagnostic
    }

    /// The error PostgreSQL sends a StartupMessage whose version it does not speak, in the format that
    /// version expects: pre-3.0 (``legacy(_:)``) for versions before 3.0, else a FATAL 0A000 ErrorResponse.
    ///
    /// PostgreSQL 15 answers version 0.1234 with the bytes of
    /// `.errorResponse(.unsupportedProtocolVersion(ProtocolVersion(major: 0, minor: 1234), newest: .v3_0))`:
    /// `E`, `FATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.0`, a newline and a zero byte.
    public static func unsupportedProtocolVersion(_ requested: ProtocolVersion, newest: ProtocolVersion)
        -> DiagnosticMessage
    {
        let message =
            "unsupported frontend protocol \(requested): server supports \(ProtocolVersion.v3_0) to \(newest)"
        guard requested.major < 3 else {
            return DiagnosticMessage(severity: "FATAL", sqlState: "0A000", message: message)
        }
        return legacy("FATAL:  \(message)\n")
    }

    /// Creates the field set PostgreSQL sends: severity (localized and not), SQLSTATE, message and the optional fields.
    public init(severity: String, sqlState: String, message: String, detail: String? = nil, hint: String? = nil) {
        var fields = [
            Field(.localizedSeverity, severity), Field(.severity, severity), Field(.sqlState, sqlState),
            Field(.message, message),
        ]
        if let detail { fields.append(Field(.detail, detail)) }
        if let hint { fields.append(Field(.hint, hint)) }
        self.fields = fields
        self.isLegacy = false
    }

    /// The value of the first field with `code`.
    public subscript(code: DiagnosticField) -> String? {
        fields.first { $0.code == code }?.value
    }

    /// The non-localized severity, or the localized one from servers before 9.6.
    public var severity: String? { self[.severity] ?? self[.localizedSeverity] }
    /// The SQLSTATE code.
    public var sqlState: String? { self[.sqlState] }
    /// The primary message.
    public var message: String? { self[.message] }

    /// Reads a DiagnosticMessage from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> DiagnosticMessage {
        var fields: [Field] = []
        while true {
            let code = try body.readWireInteger(as: UInt8.self, field: "field code")
            if code == 0 {
                return DiagnosticMessage(fields: fields)
            }
            let field = DiagnosticField(rawValue: code)
            fields.append(Field(field, try body.readCString(field: "\(field.name) field")))
        }
    }

    /// Decodes the body of a pre-3.0 error: one zero-terminated text.
    static func decodeLegacy(from body: inout ByteBuffer) throws(WireFormatError) -> DiagnosticMessage {
        legacy(try body.readCString(field: "legacy error text"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        if isLegacy {
            buffer.writeCString(message ?? "")
            return
        }
        for field in fields {
            buffer.writeInteger(field.code.rawValue)
            buffer.writeCString(field.value)
        }
        buffer.writeInteger(UInt8(0))
    }
}
