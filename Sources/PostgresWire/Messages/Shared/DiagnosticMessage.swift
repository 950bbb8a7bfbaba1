import NIOCore

/// The body of an ErrorResponse or NoticeResponse: an ordered list of coded fields.
public struct DiagnosticMessage: Sendable, Hashable {
    /// One field: its code and text.
    public struct Field: Sendable, Hashable {
        public var code: DiagnosticField
        public var value: String

        public init(_ code: DiagnosticField, _ value: String) {
            self.code = code
            self.value = value
        }
    }

    /// The fields in wire order.
    public var fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
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

    func encode(into buffer: inout ByteBuffer) {
        for field in fields {
            buffer.writeInteger(field.code.rawValue)
            buffer.writeCString(field.value)
        }
        buffer.writeInteger(UInt8(0))
    }
}
