import NIOCore

extension TextFormParser {
    /// Builds a backend message of type `type` (its canonical name) from the line's items.
    static func backend(_ type: String, _ arguments: inout TextFormArguments) throws(TextFormError) -> BackendMessage {
        switch type {
        case "AuthenticationOk": return .authentication(.ok)
        case "AuthenticationKerberosV5": return .authentication(.kerberosV5)
        case "AuthenticationCleartextPassword": return .authentication(.cleartextPassword)
        case "AuthenticationGSS": return .authentication(.gss)
        case "AuthenticationSSPI": return .authentication(.sspi)
        case "AuthenticationMD5Password":
            guard let salt = arguments.named("salt") else {
                throw arguments.error("AuthenticationMD5Password needs salt=HEX (4 bytes)", at: arguments.endColumn)
            }
            let bytes = try arguments.hex(salt.value, what: "the salt")
            guard bytes.count == 4 else { throw arguments.error("the salt is 4 bytes (8 hex digits)", at: salt.column) }
            return .authentication(.md5Password(salt: bytes))
        case "AuthenticationSASL":
            var mechanisms: [String] = []
            for item in arguments.remaining() {
                guard item.name == nil else { throw arguments.error("expected a mechanism name", at: item.column) }
                mechanisms.append(try arguments.string(item.value, what: "a mechanism name"))
            }
            return .authentication(.sasl(mechanisms: mechanisms))
        case "AuthenticationGSSContinue":
            return .authentication(.gssContinue(data: try arguments.payload(what: "the GSS data")))
        case "AuthenticationSASLContinue":
            return .authentication(.saslContinue(data: try arguments.payload(what: "the SASL data")))
        case "AuthenticationSASLFinal":
            return .authentication(.saslFinal(data: try arguments.payload(what: "the SASL data")))
        case "BackendKeyData":
            let (processID, key) = try arguments.cancelKey()
            return .backendKeyData(BackendKeyData(processID: processID, secretKey: key))
        case "CommandComplete":
            guard let tag = try arguments.optionalString("tag", positional: true) else {
                throw arguments.error("CommandComplete needs the tag, such as \"SELECT 1\"", at: arguments.endColumn)
            }
            return .commandComplete(CommandComplete(tag: tag))
        case "CopyData":
            return .copyData(CopyData(data: try arguments.payload(what: "the data")))
        case "CopyInResponse", "CopyOutResponse", "CopyBothResponse":
            let response = try arguments.copyResponse()
            return type == "CopyInResponse"
                ? .copyInResponse(response)
                : type == "CopyOutResponse" ? .copyOutResponse(response) : .copyBothResponse(response)
        case "DataRow":
            let columns = try (arguments.named("columns") ?? arguments.positional()).map { item throws(TextFormError) in
                try arguments.list(item.value, what: "the columns").map { value throws(TextFormError) in
                    try arguments.nullableBytes(value, what: "a column value")
                }
            }
            return .dataRow(DataRow(columns: columns ?? []))
        case "ErrorResponse", "NoticeResponse":
            let diagnostic = try arguments.diagnostic()
            return type == "ErrorResponse" ? .errorResponse(diagnostic) : .noticeResponse(diagnostic)
        case "FunctionCallResponse":
            guard let item = arguments.named("result") ?? arguments.positional() else {
                throw arguments.error("FunctionCallResponse needs the result (or NULL)", at: arguments.endColumn)
            }
            return .functionCallResponse(
                FunctionCallResponse(result: try arguments.nullableBytes(item.value, what: "the result")))
        case "NegotiateProtocolVersion":
            return .negotiateProtocolVersion(try arguments.negotiation())
        case "NotificationResponse":
            guard let pid = arguments.named("pid", "processID") else {
                throw arguments.error("NotificationResponse needs pid=N", at: arguments.endColumn)
            }
            return .notificationResponse(
                NotificationResponse(
                    processID: try arguments.integer(pid.value, as: Int32.self, what: "a process ID"),
                    channel: try arguments.optionalString("channel") ?? "",
                    payload: try arguments.optionalString("payload") ?? ""))
        case "ParameterDescription":
            let types = try (arguments.named("types", "parameterTypes") ?? arguments.positional()).map {
                item throws(TextFormError) in try arguments.types(item.value)
            }
            return .parameterDescription(ParameterDescription(parameterTypes: types ?? []))
        case "ParameterStatus":
            return .parameterStatus(try arguments.parameterStatus())
        case "ReadyForQuery":
            return .readyForQuery(try arguments.transactionStatus())
        case "RowDescription":
            return .rowDescription(try arguments.rowDescription())
        case "SSLResponse", "GSSENCResponse":
            let accepted = try arguments.acceptance(acceptedLetter: type == "SSLResponse" ? "S" : "G")
            return type == "SSLResponse" ? .sslResponse(accepted: accepted) : .gssENCResponse(accepted: accepted)
        case "BindComplete": return .bindComplete
        case "CloseComplete": return .closeComplete
        case "CopyDone": return .copyDone
        case "EmptyQueryResponse": return .emptyQueryResponse
        case "NoData": return .noData
        case "ParseComplete": return .parseComplete
        default: return .portalSuspended
        }
    }
}
