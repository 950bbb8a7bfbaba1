import NIOCore

extension TextFormArguments {
    /// `text [text, binary]`: the overall format and the column formats.
    mutating func copyResponse() throws(TextFormError) -> CopyResponse {
        var overall: Int8 = 0
        if let item = named("format") ?? keyword("text") ?? keyword("binary") ?? formatWord() {
            let code = try format(item.value)
            guard let narrow = Int8(exactly: code.rawValue) else {
                throw error("the overall format is from -128 to 127", at: item.column)
            }
            overall = narrow
        }
        let columns = try (named("columns", "columnFormats") ?? positional()).map { item throws(TextFormError) in
            try formats(item.value)
        }
        return CopyResponse(format: overall, columnFormats: columns ?? [])
    }

    private mutating func formatWord() -> TextFormItem? {
        guard let first = items.first(where: { $0.name == nil }), case .word(let text) = first.value.shape,
            text.hasPrefix("format(") || Int(text) != nil
        else { return nil }
        return positional()
    }

    /// `severity="ERROR" code="22012" message="…"` (every field, in order) or `legacy "text"`.
    mutating func diagnostic() throws(TextFormError) -> DiagnosticMessage {
        if keyword("legacy") != nil {
            guard let item = positional() else { throw error("expected the legacy error text", at: endColumn) }
            return .legacy(try string(item.value, what: "the legacy error text"))
        }
        var fields: [DiagnosticMessage.Field] = []
        for item in remaining() {
            guard let name = item.name else { throw error("expected name=\"value\" (a field)", at: item.column) }
            guard let code = DiagnosticField(name: name) else {
                throw error("unknown field '\(name)' (severity, code, message, detail, hint, …)", at: item.column)
            }
            fields.append(DiagnosticMessage.Field(code, try string(item.value, what: "the \(name) field")))
        }
        return DiagnosticMessage(fields: fields)
    }

    /// `3.2 unrecognized=["_pq_.x"]`.
    mutating func negotiation() throws(TextFormError) -> NegotiateProtocolVersion {
        var minor: UInt32 = 0
        if let item = named("newestMinorVersion") {
            minor = try integer(item.value, as: UInt32.self, what: "the newest minor version")
        } else if let item = positional() {
            let text = try string(item.value, what: "a protocol version")
            guard text.hasPrefix("3."), let value = UInt32(text.dropFirst(2)) else {
                throw error("expected a protocol version such as 3.2", at: item.column)
            }
            minor = value
        }
        let options = try named("unrecognized", "unrecognizedOptions").map { item throws(TextFormError) in
            try list(item.value, what: "the unrecognized options").map { value throws(TextFormError) in
                try string(value, what: "an option name")
            }
        }
        return NegotiateProtocolVersion(newestMinorVersion: minor, unrecognizedOptions: options ?? [])
    }

    /// `name="value"`, or `name="…" value="…"`.
    mutating func parameterStatus() throws(TextFormError) -> ParameterStatus {
        if items.count == 2, items.allSatisfy({ $0.name == "name" || $0.name == "value" }),
            let name = named("name"), let value = named("value")
        {
            return ParameterStatus(
                name: try string(name.value, what: "the name"), value: try string(value.value, what: "the value"))
        }
        guard let item = items.first, let name = item.name else {
            throw error(
                "ParameterStatus needs name=\"value\", such as TimeZone=\"UTC\"", at: items.first?.column ?? endColumn)
        }
        _ = named(name)
        return ParameterStatus(name: name, value: try string(item.value, what: "the value"))
    }

    /// `I`, `T` or `E` (or idle, transaction, failed); idle when omitted.
    mutating func transactionStatus() throws(TextFormError) -> TransactionStatus {
        guard let item = named("status") ?? positional() else { return .idle }
        switch try string(item.value, what: "a transaction status") {
        case "I", "idle": return .idle
        case "T", "transaction": return .inTransaction
        case "E", "failed": return .failed
        default:
            throw error("expected a transaction status: I (idle), T (in transaction) or E (failed)", at: item.column)
        }
    }

    /// `[id int4, name text]` (`[id int4 binary]` for a column in binary format), or every attribute:
    /// `[{name="id" tableOID=0 … format="text"}]`; a type size not given is the type's own (`PostgresTypeSizes`).
    mutating func rowDescription() throws(TextFormError) -> RowDescription {
        guard let item = named("columns") ?? positional() else { return RowDescription(columns: []) }
        var columns: [RowDescription.Column] = []
        for element in try list(item.value, what: "the columns") {
            switch element.shape {
            case .object(let members):
                columns.append(try column(members, at: element.column))
            case .phrase(var words):
                // No type is called `binary`: after a name and a type, it is the column's format.
                var format = FormatCode.text
                if words.count >= 3, case .word("binary") = words.last!.shape {
                    format = .binary
                    words.removeLast()
                }
                var parts: [String] = []
                for word in words { parts.append(try string(word, what: "a column name")) }
                let oid = try typeOID(words.last!)
                columns.append(
                    RowDescription.Column(
                        name: parts.dropLast().joined(separator: " "), dataTypeOID: oid, format: format))
            default:
                throw error("expected a column as `name type` or {name=… dataTypeOID=…}", at: element.column)
            }
        }
        return RowDescription(columns: columns)
    }

    private func column(_ members: [TextFormItem], at column: Int) throws(TextFormError) -> RowDescription.Column {
        var nested = TextFormArguments(scanner: scanner, items: members)
        guard let name = try nested.optionalString("name") else {
            throw error("a column needs name=\"…\"", at: column)
        }
        var result = RowDescription.Column(name: name, dataTypeOID: 0)
        let dataType = nested.named("dataType")
        if let oid = nested.named("dataTypeOID") {
            result.dataTypeOID = try integer(oid.value, as: UInt32.self, what: "a type OID")
        } else if let dataType {
            result.dataTypeOID = try typeOID(dataType.value)
        }
        if let item = nested.named("tableOID") {
            result.tableOID = try integer(item.value, as: UInt32.self, what: "a table OID")
        }
        if let item = nested.named("columnAttributeNumber") {
            result.columnAttributeNumber = try integer(item.value, as: Int16.self, what: "a column number")
        }
        if let item = nested.named("dataTypeSize") {
            result.dataTypeSize = try integer(item.value, as: Int16.self, what: "a type size")
        } else {
            result.dataTypeSize = PostgresTypeSizes.size(forOID: result.dataTypeOID)
        }
        if let item = nested.named("typeModifier") {
            result.typeModifier = try integer(item.value, as: Int32.self, what: "a type modifier")
        }
        if let item = nested.named("format") { result.format = try format(item.value) }
        try nested.finish("RowDescription column")
        return result
    }

    /// `S` / `G` (accepted) or `N` (rejected).
    mutating func acceptance(acceptedLetter: String) throws(TextFormError) -> Bool {
        guard let item = positional() else {
            throw error("expected \(acceptedLetter) (accepted) or N (rejected)", at: endColumn)
        }
        switch try string(item.value, what: "the answer") {
        case acceptedLetter, "accepted": return true
        case "N", "rejected": return false
        default: throw error("expected \(acceptedLetter) (accepted) or N (rejected)", at: item.column)
        }
    }
}
