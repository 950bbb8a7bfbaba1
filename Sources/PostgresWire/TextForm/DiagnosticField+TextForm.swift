extension DiagnosticField {
    /// The known fields, in the order PostgreSQL sends them.
    static let known: [DiagnosticField] = [
        .localizedSeverity, .severity, .sqlState, .message, .detail, .hint, .position, .internalPosition,
        .internalQuery, .context, .schemaName, .tableName, .columnName, .dataTypeName, .constraintName, .file, .line,
        .routine,
    ]

    /// The field that ``name`` calls `name` (`field_X` for a field code `X` without a name); `nil` for others.
    init?(name: String) {
        if let field = Self.known.first(where: { $0.name == name }) {
            self = field
            return
        }
        let scalars = Array(name.unicodeScalars)
        guard name.hasPrefix("field_"), scalars.count == 7, scalars[6].value < 0x100, scalars[6].value != 0 else {
            return nil
        }
        self.init(rawValue: UInt8(scalars[6].value))
    }
}
