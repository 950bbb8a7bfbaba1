import NIOCore

extension FrontendMessage {
    /// Renders the message; secrets are masked unless `options.revealSecrets` is set.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        var builder = RenderingBuilder(options: options)
        switch self {
        case .bind(let bind):
            builder.field("portal", .string(bind.portal))
            builder.field("statement", .string(bind.statement))
            builder.field("parameterFormats", .formats(bind.parameterFormats))
            builder.field("parameters", .array(bind.parameters.map(RenderedValue.nullableBytes)))
            builder.field("resultFormats", .formats(bind.resultFormats))
            builder.summary("portal=\(builder.quoted(bind.portal)) statement=\(builder.quoted(bind.statement))")
            builder.summary("parameters=\(builder.text(.array(bind.parameters.map(RenderedValue.nullableBytes))))")
            if !bind.parameterFormats.isEmpty {
                builder.summary("formats=\(builder.text(.formats(bind.parameterFormats)))")
            }
            if !bind.resultFormats.isEmpty { builder.summary("results=\(builder.text(.formats(bind.resultFormats)))") }
        case .cancelRequest(let cancel):
            builder.field("processID", .integer(Int64(cancel.processID)))
            let key = builder.hexField("secretKey", cancel.secretKey, isSecret: true)
            builder.summary("pid=\(cancel.processID) key=\(key)")
        case .close(let target), .describe(let target):
            builder.field("kind", .string(target.kind.description))
            builder.field("name", .string(target.name))
            builder.summary("\(target.kind) \(builder.quoted(target.name))")
        case .copyData(let copy):
            Self.renderPayload(copy.data, into: &builder)
        case .copyFail(let fail):
            builder.field("message", .string(fail.message))
            builder.summary(builder.quoted(fail.message))
        case .execute(let execute):
            builder.field("portal", .string(execute.portal))
            builder.field("maxRows", .integer(Int64(execute.maxRows)))
            builder.summary("portal=\(builder.quoted(execute.portal)) maxRows=\(execute.maxRows)")
        case .functionCall(let call):
            let arguments = RenderedValue.array(call.arguments.map(RenderedValue.nullableBytes))
            builder.field("functionOID", .integer(Int64(call.functionOID)))
            builder.field("argumentFormats", .formats(call.argumentFormats))
            builder.field("arguments", arguments)
            builder.field("resultFormat", .string(call.resultFormat.description))
            builder.summary("oid=\(call.functionOID) arguments=\(builder.text(arguments)) result=\(call.resultFormat)")
            if options.isLossless && !call.argumentFormats.isEmpty {
                builder.summary("formats=\(builder.text(.formats(call.argumentFormats)))")
            }
        case .gssResponse(let response):
            Self.renderSecretPayload(response.data, into: &builder)
        case .parse(let parse):
            builder.field("name", .string(parse.name))
            builder.field("query", .string(parse.query))
            builder.field("parameterTypes", .types(parse.parameterTypes))
            builder.summary("name=\(builder.quoted(parse.name)) \(builder.quoted(parse.query))")
            if !parse.parameterTypes.isEmpty { builder.summary(PostgresTypeNames.list(parse.parameterTypes)) }
        case .password(let password):
            let value = builder.secret(.string(password.password), byteCount: password.password.utf8.count)
            builder.field("password", value)
            builder.summary(builder.text(value))
        case .query(let query):
            builder.field("query", .string(query.text))
            builder.summary(builder.quoted(query.text))
        case .saslInitialResponse(let response):
            builder.field("mechanism", .string(response.mechanism))
            let data = response.data.map { builder.secret(.bytes($0), byteCount: $0.readableBytes) } ?? .null
            builder.field("data", data)
            builder.summary("\(builder.name(response.mechanism)) \(builder.text(data))")
        case .saslResponse(let response):
            Self.renderSecretPayload(response.data, into: &builder)
        case .startup(let startup):
            builder.field("protocolVersion", .string(startup.protocolVersion.description))
            builder.field("protocolVersionSupported", .boolean(startup.isProtocolVersionSupported))
            builder.field("parameters", .namedValues(startup.parameters.map { ($0.name, $0.value) }))
            builder.summary(startup.protocolVersion.description)
            if !startup.isProtocolVersionSupported { builder.summary("(unsupported protocol version)") }
            if let body = startup.unparsedBody {
                builder.field("body", .bytes(body))
                builder.summary("body=\(builder.text(.bytes(body)))")
            }
            for parameter in startup.parameters {
                builder.summary("\(builder.name(parameter.name))=\(builder.quoted(parameter.value))")
            }
        case .copyDone, .flush, .gssENCRequest, .sslRequest, .sync, .terminate:
            break
        }
        return builder.build(.frontend, typeName)
    }

    static func renderPayload(_ data: ByteBuffer, into builder: inout RenderingBuilder) {
        builder.field("dataLength", .integer(Int64(data.readableBytes)))
        builder.field("data", .bytes(data))
        builder.summary("\(data.readableBytes) bytes \(builder.text(.bytes(data)))")
    }

    static func renderSecretPayload(_ data: ByteBuffer, into builder: inout RenderingBuilder) {
        let value = builder.secret(.bytes(data), byteCount: data.readableBytes)
        builder.field("dataLength", .integer(Int64(data.readableBytes)))
        builder.field("data", value)
        builder.summary("\(data.readableBytes) bytes \(builder.text(value))")
    }
}
