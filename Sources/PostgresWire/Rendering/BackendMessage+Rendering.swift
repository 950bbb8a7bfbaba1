import NIOCore

extension BackendMessage {
    /// Renders the message; secrets are masked unless `options.revealSecrets` is set.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        var builder = RenderingBuilder(options: options)
        switch self {
        case .authentication(let authentication):
            Self.render(authentication, into: &builder)
        case .backendKeyData(let key):
            builder.field("processID", .integer(Int64(key.processID)))
            let secret = builder.hexField("secretKey", key.secretKey, isSecret: true)
            builder.summary("pid=\(key.processID) key=\(secret)")
        case .commandComplete(let complete):
            builder.field("tag", .string(complete.tag))
            builder.summary(builder.quoted(complete.tag))
        case .copyData(let copy):
            FrontendMessage.renderPayload(copy.data, into: &builder)
        case .copyInResponse(let response), .copyOutResponse(let response), .copyBothResponse(let response):
            let overall = response.format == 0 ? "text" : response.format == 1 ? "binary" : "format(\(response.format))"
            builder.field("format", .string(overall))
            builder.field("columnFormats", .formats(response.columnFormats))
            builder.summary("\(overall) \(builder.text(.formats(response.columnFormats)))")
        case .dataRow(let row):
            let columns = RenderedValue.array(row.map(RenderedValue.nullableBytes))
            builder.field("columns", columns)
            builder.summary(builder.text(columns))
        case .errorResponse(let diagnostic), .noticeResponse(let diagnostic):
            builder.field("fields", .namedValues(diagnostic.fields.map { ($0.code.name, $0.value) }))
            builder.field("legacy", .boolean(diagnostic.isLegacy))
            if diagnostic.isLegacy {
                builder.summary("legacy \(builder.quoted(diagnostic.message ?? ""))")
            } else if options.isLossless {
                for field in diagnostic.fields {
                    builder.summary("\(builder.name(field.code.name))=\(builder.quoted(field.value))")
                }
            } else {
                builder.summary(
                    [diagnostic.severity, diagnostic.sqlState, diagnostic.message].compactMap { $0 }.joined(
                        separator: " "))
            }
        case .functionCallResponse(let response):
            let result = RenderedValue.nullableBytes(response.result)
            builder.field("result", result)
            builder.summary(builder.text(result))
        case .negotiateProtocolVersion(let negotiation):
            let options = RenderedValue.array(negotiation.unrecognizedOptions.map { .string($0) })
            builder.field("newestMinorVersion", .integer(Int64(negotiation.newestMinorVersion)))
            builder.field("unrecognizedOptions", options)
            builder.summary("\(negotiation.newestVersion) unrecognized=\(builder.text(options))")
        case .notificationResponse(let notification):
            builder.field("processID", .integer(Int64(notification.processID)))
            builder.field("channel", .string(notification.channel))
            builder.field("payload", .string(notification.payload))
            builder.summary(
                "pid=\(notification.processID) channel=\(builder.quoted(notification.channel)) payload=\(builder.quoted(notification.payload))"
            )
        case .parameterDescription(let description):
            builder.field("parameterTypes", .types(description.parameterTypes))
            builder.summary(PostgresTypeNames.list(description.parameterTypes))
        case .parameterStatus(let status):
            builder.field("name", .string(status.name))
            builder.field("value", .string(status.value))
            builder.summary("\(builder.name(status.name))=\(builder.quoted(status.value))")
        case .readyForQuery(let status):
            builder.field("status", .string(String(status.letter)))
            builder.summary("\(status.letter) (\(status))")
        case .rowDescription(let description):
            let columns = RenderedValue.array(description.columns.map(Self.render))
            builder.field("columns", columns)
            if options.isLossless {
                builder.summary(builder.text(columns))
                break
            }
            builder.summary(
                "["
                    + description.columns.map { "\($0.name) \(PostgresTypeNames.name(forOID: $0.dataTypeOID))" }.joined(
                        separator: ", ") + "]")
        case .sslResponse(let accepted), .gssENCResponse(let accepted):
            builder.field("accepted", .boolean(accepted))
            builder.summary("\(Character(Unicode.Scalar(typeByte))) (\(accepted ? "accepted" : "rejected"))")
        case .bindComplete, .closeComplete, .copyDone, .emptyQueryResponse, .noData, .parseComplete, .portalSuspended:
            break
        }
        return builder.build(.backend, typeName)
    }

    private static func render(_ authentication: Authentication, into builder: inout RenderingBuilder) {
        switch authentication {
        case .md5Password(let salt):
            builder.summary("salt=\(builder.hexField("salt", salt, isSecret: false))")
        case .sasl(let mechanisms):
            let names = RenderedValue.array(mechanisms.map { .string($0) })
            builder.field("mechanisms", names)
            builder.summary(mechanisms.map(builder.name).joined(separator: " "))
        case .gssContinue(let data), .saslContinue(let data), .saslFinal(let data):
            FrontendMessage.renderSecretPayload(data, into: &builder)
        case .ok, .kerberosV5, .cleartextPassword, .gss, .sspi:
            break
        }
    }

    private static func render(_ column: RowDescription.Column) -> RenderedValue {
        .object([
            ("name", .string(column.name)),
            ("tableOID", .integer(Int64(column.tableOID))),
            ("columnAttributeNumber", .integer(Int64(column.columnAttributeNumber))),
            ("dataType", .string(PostgresTypeNames.name(forOID: column.dataTypeOID))),
            ("dataTypeOID", .integer(Int64(column.dataTypeOID))),
            ("dataTypeSize", .integer(Int64(column.dataTypeSize))),
            ("typeModifier", .integer(Int64(column.typeModifier))),
            ("format", .string(column.format.description)),
        ])
    }
}

extension WireMessage {
    /// Renders the message; secrets are masked unless `options.revealSecrets` is set.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        switch self {
        case .frontend(let message): message.rendered(options: options)
        case .backend(let message): message.rendered(options: options)
        }
    }
}
