import NIOCore

extension BackendMessage {
    /// Renders the message; secrets are masked unless `options.revealSecrets` is set.
    public func rendered(options: RenderOptions = RenderOptions()) -> MessageRendering {
        var builder = RenderingBuilder(options: options)
        render(into: &builder)
        return builder.build(.backend, typeName)
    }

    /// Describes the message's fields and text line to `builder`.
    func render(into builder: inout RenderingBuilder) {
        switch self {
        case .authentication(let authentication):
            Self.render(authentication, into: &builder)
        case .backendKeyData(let key):
            builder.field("processID", .integer(Int64(key.processID)))
            let secret = builder.hexField("secretKey", key.secretKey, isSecret: true)
            builder.summary { line in
                line.append("pid=")
                line.appendDecimal(key.processID)
                line.append(" key=")
                line.append(string: secret)
            }
        case .commandComplete(let complete):
            builder.field("tag", .string(complete.tag))
            builder.summary { line in line.quoted(complete.tag) }
        case .copyData(let copy):
            FrontendMessage.renderPayload(copy.data, into: &builder)
        case .copyInResponse(let response), .copyOutResponse(let response), .copyBothResponse(let response):
            let overall = response.format == 0 ? "text" : response.format == 1 ? "binary" : "format(\(response.format))"
            builder.field("format", .string(overall))
            builder.field("columnFormats", .formats(response.columnFormats))
            builder.summary { line in
                line.append(string: overall)
                line.append(" ")
                line.value(.formats(response.columnFormats))
            }
        case .dataRow(let row):
            builder.bytesListField("columns", row)
            builder.bytesListSummary("", row)
        case .errorResponse(let diagnostic), .noticeResponse(let diagnostic):
            builder.field("fields", .namedValues(diagnostic.fields.map { ($0.code.name, $0.value) }))
            builder.field("legacy", .boolean(diagnostic.isLegacy))
            if diagnostic.isLegacy {
                builder.summary { line in
                    line.append("legacy ")
                    line.quoted(diagnostic.message ?? "")
                }
            } else if !builder.options.isLossless, let plain = PlainDiagnostic.parts(of: diagnostic) {
                // `ERROR 23505 duplicate key … detail="Key (a)=(1) already exists."`: every field, in wire order.
                builder.summary { line in
                    line.append(string: plain.severity)
                    line.append(" ")
                    line.append(string: plain.code)
                    line.append(" ")
                    line.append(string: plain.message)
                }
                for field in plain.extras {
                    builder.summary { line in
                        line.append(string: field.code.name)
                        line.append("=")
                        line.quoted(field.value)
                    }
                }
            } else {
                for field in diagnostic.fields {
                    builder.summary { line in
                        if TextFormValue.isPlainWord(field.code.name) {
                            line.append(string: field.code.name)
                        } else {
                            line.quoted(field.code.name)
                        }
                        line.append("=")
                        line.quoted(field.value)
                    }
                }
            }
        case .functionCallResponse(let response):
            let result = RenderedValue.nullableBytes(response.result)
            builder.field("result", result)
            builder.summary { line in line.value(result) }
        case .negotiateProtocolVersion(let negotiation):
            let options = RenderedValue.array(negotiation.unrecognizedOptions.map { .string($0) })
            builder.field("newestMinorVersion", .integer(Int64(negotiation.newestMinorVersion)))
            builder.field("unrecognizedOptions", options)
            builder.summary { line in
                line.append(string: "\(negotiation.newestVersion)")
                line.append(" unrecognized=")
                line.value(options)
            }
        case .notificationResponse(let notification):
            builder.field("processID", .integer(Int64(notification.processID)))
            builder.field("channel", .string(notification.channel))
            builder.field("payload", .string(notification.payload))
            builder.summary { line in
                line.append("pid=")
                line.appendDecimal(notification.processID)
                line.append(" channel=")
                line.quoted(notification.channel)
                line.append(" payload=")
                line.quoted(notification.payload)
            }
        case .parameterDescription(let description):
            builder.field("parameterTypes", .types(description.parameterTypes))
            builder.summary { line in line.append(string: PostgresTypeNames.list(description.parameterTypes)) }
        case .parameterStatus(let status):
            builder.field("name", .string(status.name))
            builder.field("value", .string(status.value))
            builder.summary { line in
                line.name(status.name)
                line.append("=")
                line.quoted(status.value)
            }
        case .readyForQuery(let status):
            builder.field("status", .string(String(status.letter)))
            builder.summary { line in
                line.append(string: String(status.letter))
                line.append(" (")
                line.append(string: "\(status)")
                line.append(")")
            }
        case .rowDescription(let description):
            builder.field("columns", .array(description.columns.map(Self.render)))
            if builder.options.isLossless {
                builder.summary { line in line.value(.array(description.columns.map(Self.render))) }
                break
            }
            builder.summary { line in
                line.append("[")
                for (index, column) in description.columns.enumerated() {
                    if index > 0 { line.append(", ") }
                    line.name(column.name)
                    line.append(" ")
                    line.append(string: PostgresTypeNames.name(forOID: column.dataTypeOID))
                    // Binary results are marked: a client reads the rows by it (and a pasted line keeps it).
                    if column.format == .binary { line.append(" binary") }
                }
                line.append("]")
            }
        case .sslResponse(let accepted), .gssENCResponse(let accepted):
            builder.field("accepted", .boolean(accepted))
            builder.summary { line in
                line.append(string: String(Character(Unicode.Scalar(typeByte))))
                line.append(accepted ? " (accepted)" : " (rejected)")
            }
        case .bindComplete, .closeComplete, .copyDone, .emptyQueryResponse, .noData, .parseComplete, .portalSuspended:
            break
        }
    }

    private static func render(_ authentication: Authentication, into builder: inout RenderingBuilder) {
        switch authentication {
        case .md5Password(let salt):
            let hex = builder.hexField("salt", salt, isSecret: false)
            builder.summary { line in
                line.append("salt=")
                line.append(string: hex)
            }
        case .sasl(let mechanisms):
            let names = RenderedValue.array(mechanisms.map { .string($0) })
            builder.field("mechanisms", names)
            builder.summary { line in
                for (index, mechanism) in mechanisms.enumerated() {
                    if index > 0 { line.append(" ") }
                    line.name(mechanism)
                }
            }
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
    /// Describes the message's fields and text line to `builder`.
    func render(into builder: inout RenderingBuilder) {
        switch self {
        case .frontend(let message): message.render(into: &builder)
        case .backend(let message): message.render(into: &builder)
        }
    }
}
