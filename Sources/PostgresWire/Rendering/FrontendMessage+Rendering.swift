import NIOCore

extension FrontendMessage {
    /// Renders the message; secrets are masked unless `options.revealSecrets` is set.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        var builder = RenderingBuilder(options: options)
        render(into: &builder)
        return builder.build(.frontend, typeName)
    }

    /// Describes the message's fields and text line to `builder`.
    func render(into builder: inout RenderingBuilder) {
        switch self {
        case .bind(let bind):
            builder.field("portal", .string(bind.portal))
            builder.field("statement", .string(bind.statement))
            builder.field("parameterFormats", .formats(bind.parameterFormats))
            builder.bytesListField("parameters", bind.parameters)
            builder.field("resultFormats", .formats(bind.resultFormats))
            builder.summary { line in
                line.append("portal=")
                line.quoted(bind.portal)
                line.append(" statement=")
                line.quoted(bind.statement)
            }
            builder.bytesListSummary("parameters=", bind.parameters, formats: bind.parameterFormats)
            if !bind.parameterFormats.isEmpty {
                builder.summary { line in
                    line.append("formats=")
                    line.value(.formats(bind.parameterFormats))
                }
            }
            if !bind.resultFormats.isEmpty {
                builder.summary { line in
                    line.append("results=")
                    line.value(.formats(bind.resultFormats))
                }
            }
        case .cancelRequest(let cancel):
            builder.field("processID", .integer(Int64(cancel.processID)))
            let key = builder.hexField("secretKey", cancel.secretKey, isSecret: true)
            builder.summary { line in
                line.append("pid=")
                line.appendDecimal(cancel.processID)
                line.append(" key=")
                line.append(string: key)
            }
        case .close(let target), .describe(let target):
            builder.field("kind", .string(target.kind.description))
            builder.field("name", .string(target.name))
            builder.summary { line in
                line.append(string: "\(target.kind)")
                line.append(" ")
                line.quoted(target.name)
            }
        case .copyData(let copy):
            Self.renderPayload(copy.data, into: &builder)
        case .copyFail(let fail):
            builder.field("message", .string(fail.message))
            builder.summary { line in line.quoted(fail.message) }
        case .execute(let execute):
            builder.field("portal", .string(execute.portal))
            builder.field("maxRows", .integer(Int64(execute.maxRows)))
            builder.summary { line in
                line.append("portal=")
                line.quoted(execute.portal)
                line.append(" maxRows=")
                line.appendDecimal(execute.maxRows)
            }
        case .functionCall(let call):
            let arguments = RenderedValue.array(call.arguments.map(RenderedValue.nullableBytes))
            builder.field("functionOID", .integer(Int64(call.functionOID)))
            builder.field("argumentFormats", .formats(call.argumentFormats))
            builder.field("arguments", arguments)
            builder.field("resultFormat", .string(call.resultFormat.description))
            builder.summary { line in
                line.append("oid=")
                line.appendDecimal(call.functionOID)
                line.append(" arguments=")
                line.value(arguments)
            }
            // As a Bind's: the formats decide how the values are read back (a pasted line sends the same bytes).
            if !call.argumentFormats.isEmpty {
                builder.summary { line in
                    line.append("formats=")
                    line.value(.formats(call.argumentFormats))
                }
            }
            builder.summary { line in
                line.append("result=")
                line.append(string: "\(call.resultFormat)")
            }
        case .gssResponse(let response):
            Self.renderSecretPayload(response.data, into: &builder)
        case .parse(let parse):
            builder.field("name", .string(parse.name))
            builder.field("query", .string(parse.query))
            builder.field("parameterTypes", .types(parse.parameterTypes))
            builder.summary { line in
                line.append("name=")
                line.quoted(parse.name)
                line.append(" ")
                line.quoted(parse.query)
            }
            if !parse.parameterTypes.isEmpty {
                builder.summary { line in line.append(string: PostgresTypeNames.list(parse.parameterTypes)) }
            }
        case .password(let password):
            let value = builder.secret(.string(password.password), byteCount: password.password.utf8.count)
            builder.field("password", value)
            builder.summary { line in line.value(value) }
        case .query(let query):
            builder.field("query", .string(query.text))
            builder.summary { line in line.quoted(query.text) }
        case .saslInitialResponse(let response):
            builder.field("mechanism", .string(response.mechanism))
            let data = response.data.map { builder.secret(.bytes($0), byteCount: $0.readableBytes) } ?? .null
            builder.field("data", data)
            builder.summary { line in
                line.name(response.mechanism)
                line.append(" ")
                line.value(data)
            }
        case .saslResponse(let response):
            Self.renderSecretPayload(response.data, into: &builder)
        case .startup(let startup):
            builder.field("protocolVersion", .string(startup.protocolVersion.description))
            builder.field("protocolVersionSupported", .boolean(startup.isProtocolVersionSupported))
            builder.field("parameters", .namedValues(startup.parameters.map { ($0.name, $0.value) }))
            builder.summary { line in line.append(string: startup.protocolVersion.description) }
            if !startup.isProtocolVersionSupported {
                builder.summary { line in line.append("(unsupported protocol version)") }
            }
            if let body = startup.unparsedBody {
                builder.field("body", .bytes(body))
                builder.summary { line in
                    line.append("body=")
                    line.bytes(body)
                }
            }
            for parameter in startup.parameters {
                builder.summary { line in
                    line.name(parameter.name)
                    line.append("=")
                    line.quoted(parameter.value)
                }
            }
        case .copyDone, .flush, .gssENCRequest, .sslRequest, .sync, .terminate:
            break
        }
    }

    static func renderPayload(_ data: ByteBuffer, into builder: inout RenderingBuilder) {
        data.withUnsafeReadableBytes { renderPayload($0.assumingMemoryBound(to: UInt8.self), into: &builder) { data } }
    }

    /// Describes a payload in place (a CopyData's); `slice` takes it as a buffer where one is kept.
    static func renderPayload(
        _ data: UnsafeBufferPointer<UInt8>, into builder: inout RenderingBuilder, slice: () -> ByteBuffer
    ) {
        builder.field("dataLength", .integer(Int64(data.count)))
        builder.bytesField("data", data, slice: slice)
        builder.summary { line in
            line.appendDecimal(data.count)
            line.append(" bytes ")
            line.bytes(data)
        }
    }

    static func renderSecretPayload(_ data: ByteBuffer, into builder: inout RenderingBuilder) {
        let value = builder.secret(.bytes(data), byteCount: data.readableBytes)
        builder.field("dataLength", .integer(Int64(data.readableBytes)))
        builder.field("data", value)
        builder.summary { line in
            line.appendDecimal(data.readableBytes)
            line.append(" bytes ")
            line.value(value)
        }
    }
}
