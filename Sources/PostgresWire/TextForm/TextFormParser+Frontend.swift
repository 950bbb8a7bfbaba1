import NIOCore

extension TextFormParser {
    /// Builds a frontend message of type `type` (its canonical name) from the line's items; `parameterTypes` gives
    /// the parameter types of a prepared statement, for a Bind's binary values.
    static func frontend(
        _ type: String, _ arguments: inout TextFormArguments, parameterTypes: (_ statement: String) -> [UInt32]?
    ) throws(TextFormError) -> FrontendMessage {
        switch type {
        case "Bind":
            let values = try arguments.named("parameters").map { item throws(TextFormError) in
                try arguments.list(item.value, what: "parameters")
            }
            let statement = try arguments.optionalString("statement") ?? ""
            let formats =
                try arguments.named("formats", "parameterFormats").map { item throws(TextFormError) in
                    try arguments.formats(item.value)
                } ?? []
            return .bind(
                Bind(
                    portal: try arguments.optionalString("portal") ?? "",
                    statement: statement,
                    parameterFormats: formats,
                    parameters: try arguments.values(
                        values ?? [], formats: formats, types: parameterTypes(statement), what: "parameter"),
                    resultFormats: try arguments.named("results", "resultFormats").map { item throws(TextFormError) in
                        try arguments.formats(item.value)
                    } ?? []
                ))
        case "CancelRequest":
            let (processID, key) = try arguments.cancelKey()
            return .cancelRequest(CancelRequest(processID: processID, secretKey: key))
        case "Close", "Describe":
            var kind = ObjectKind.portal
            if arguments.keyword("statement") != nil {
                kind = .statement
            } else {
                _ = arguments.keyword("portal")
            }
            let target = StatementOrPortal(
                kind: kind, name: try arguments.optionalString("name", positional: true) ?? "")
            return type == "Close" ? .close(target) : .describe(target)
        case "CopyData":
            return .copyData(CopyData(data: try arguments.payload(what: "the data")))
        case "CopyFail":
            return .copyFail(CopyFail(message: try arguments.optionalString("message", positional: true) ?? ""))
        case "Execute":
            return .execute(
                Execute(
                    portal: try arguments.optionalString("portal") ?? "",
                    maxRows: try arguments.named("maxRows").map { item throws(TextFormError) in
                        try arguments.integer(item.value, as: Int32.self, what: "maxRows")
                    } ?? 0))
        case "FunctionCall":
            guard let oid = arguments.named("oid", "functionOID") else {
                throw arguments.error("FunctionCall needs oid=N (the function's OID)", at: arguments.endColumn)
            }
            return .functionCall(
                FunctionCall(
                    functionOID: try arguments.integer(oid.value, as: UInt32.self, what: "a function OID"),
                    argumentFormats: try arguments.named("formats", "argumentFormats").map {
                        item throws(TextFormError) in
                        try arguments.formats(item.value)
                    } ?? [],
                    arguments: try arguments.named("arguments").map { item throws(TextFormError) in
                        try arguments.list(item.value, what: "arguments").map { value throws(TextFormError) in
                            try arguments.nullableBytes(value, what: "an argument")
                        }
                    } ?? [],
                    resultFormat: try arguments.named("result", "resultFormat").map { item throws(TextFormError) in
                        try arguments.format(item.value)
                    } ?? .text))
        case "GSSResponse":
            return .gssResponse(GSSResponse(data: try arguments.payload(what: "the GSS data")))
        case "Parse":
            let name = try arguments.optionalString("name") ?? ""
            guard let query = try arguments.optionalString("query", positional: true) else {
                throw arguments.error("Parse needs the query, such as \"select $1::int\"", at: arguments.endColumn)
            }
            let types = try (arguments.named("types", "parameterTypes") ?? arguments.positional()).map {
                item throws(TextFormError) in try arguments.types(item.value)
            }
            return .parse(Parse(name: name, query: query, parameterTypes: types ?? []))
        case "PasswordMessage":
            guard let password = try arguments.optionalString("password", positional: true) else {
                throw arguments.error("PasswordMessage needs the password, such as \"secret\"", at: arguments.endColumn)
            }
            return .password(PasswordMessage(password: password))
        case "Query":
            guard let query = try arguments.optionalString("query", positional: true) else {
                throw arguments.error("Query needs the SQL text, such as \"select 1\"", at: arguments.endColumn)
            }
            return .query(Query(query))
        case "SASLInitialResponse":
            guard let mechanism = try arguments.optionalString("mechanism", positional: true) else {
                throw arguments.error(
                    "SASLInitialResponse needs a mechanism, such as SCRAM-SHA-256", at: arguments.endColumn)
            }
            let data = try (arguments.named("data") ?? arguments.positional()).map { item throws(TextFormError) in
                try arguments.nullableBytes(item.value, what: "the initial response")
            }
            return .saslInitialResponse(SASLInitialResponse(mechanism: mechanism, data: data ?? nil))
        case "SASLResponse":
            return .saslResponse(SASLResponse(data: try arguments.payload(what: "the SASL data")))
        case "StartupMessage":
            return .startup(try arguments.startup())
        case "CopyDone": return .copyDone
        case "Flush": return .flush
        case "GSSENCRequest": return .gssENCRequest
        case "SSLRequest": return .sslRequest
        case "Sync": return .sync
        default: return .terminate
        }
    }
}

extension TextFormArguments {
    /// The text of the item called `name` (or, with `positional`, the first bare item); `nil` when absent.
    mutating func optionalString(_ name: String, positional: Bool = false) throws(TextFormError) -> String? {
        guard let item = named(name) ?? (positional ? self.positional() : nil) else { return nil }
        return try string(item.value, what: name)
    }

    /// `pid=N key=HEX`, as CancelRequest and BackendKeyData print them.
    mutating func cancelKey() throws(TextFormError) -> (Int32, [UInt8]) {
        guard let pid = named("pid", "processID"), let key = named("key", "secretKey") else {
            throw error("needs pid=N key=HEX (the process ID and secret key)", at: endColumn)
        }
        let processID = try integer(pid.value, as: Int32.self, what: "a process ID")
        if acceptsMaskedKeys, case .word("****") = key.value.shape { return (processID, [0, 0, 0, 0]) }
        return (processID, try hex(key.value, what: "the secret key"))
    }

    /// `3.0 user="alice" database="app" …`; a version other than 3.x may carry `body=…` instead.
    mutating func startup() throws(TextFormError) -> StartupMessage {
        var version = ProtocolVersion.v3_0
        if let first = items.first, first.name == nil {
            let text = try string(first.value, what: "a protocol version")
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let major = UInt16(parts[0]), let minor = UInt16(parts[1]) else {
                throw error("expected a protocol version such as 3.0", at: first.column)
            }
            version = ProtocolVersion(major: major, minor: minor)
            _ = positional()
        }
        var message = StartupMessage(protocolVersion: version, parameters: [])
        for item in remaining() {
            guard let name = item.name else {
                throw error("expected name=\"value\" (a startup parameter)", at: item.column)
            }
            if name == "body" && version.major != 3 {
                message.unparsedBody = try bytes(item.value, what: "the body")
            } else {
                message.parameters.append(.init(name, try string(item.value, what: "the value of \(name)")))
            }
        }
        return message
    }
}
