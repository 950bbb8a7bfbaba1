import NIOCore

/// Every message a server sends, protocol 3.0 and 3.2.
public enum BackendMessage: Sendable, Hashable {
    /// An authentication request or result (`R`): AuthenticationOk, a password or SASL request, and so on.
    case authentication(Authentication)
    /// BackendKeyData (`K`): the key that cancels this session's queries, sent after authentication.
    case backendKeyData(BackendKeyData)
    /// BindComplete (`2`): the Bind succeeded.
    case bindComplete
    /// CloseComplete (`3`): the Close succeeded.
    case closeComplete
    /// CommandComplete (`C`): a statement finished; the tag names it and counts rows.
    case commandComplete(CommandComplete)
    /// CopyData (`d`): a chunk of COPY TO STDOUT or replication data.
    case copyData(CopyData)
    /// CopyDone (`c`): the COPY TO STDOUT data is complete.
    case copyDone
    /// CopyInResponse (`G`): the server is ready for COPY FROM STDIN data.
    case copyInResponse(CopyResponse)
    /// CopyOutResponse (`H`): COPY TO STDOUT data follows.
    case copyOutResponse(CopyResponse)
    /// CopyBothResponse (`W`): streaming replication started; CopyData flows both ways.
    case copyBothResponse(CopyResponse)
    /// DataRow (`D`): one row of a result.
    case dataRow(DataRow)
    /// EmptyQueryResponse (`I`): the query string was empty; sent instead of CommandComplete.
    case emptyQueryResponse
    /// ErrorResponse (`E`): the command failed (or the connection is refused).
    case errorResponse(DiagnosticMessage)
    /// FunctionCallResponse (`V`): the result of a FunctionCall.
    case functionCallResponse(FunctionCallResponse)
    /// NegotiateProtocolVersion (`v`): the server supports an older minor version or not all `_pq_.` options.
    case negotiateProtocolVersion(NegotiateProtocolVersion)
    /// NoData (`n`): the described statement or portal returns no rows.
    case noData
    /// NoticeResponse (`N`): a warning or notice; the command goes on.
    case noticeResponse(DiagnosticMessage)
    /// NotificationResponse (`A`): a NOTIFY on a channel this session listens to.
    indirect case notificationResponse(NotificationResponse)
    /// ParameterDescription (`t`): the parameter types of a described statement.
    case parameterDescription(ParameterDescription)
    /// ParameterStatus (`S`): a reported run-time parameter's value, at startup and whenever it changes.
    indirect case parameterStatus(ParameterStatus)
    /// ParseComplete (`1`): the Parse succeeded.
    case parseComplete
    /// PortalSuspended (`s`): Execute reached its row limit before the portal's end.
    case portalSuspended
    /// ReadyForQuery (`Z`): ready for a new query, with the transaction status.
    case readyForQuery(TransactionStatus)
    /// RowDescription (`T`): the columns of the rows that follow, or of a described statement or portal.
    case rowDescription(RowDescription)
    /// The one-byte answer to SSLRequest: `S` (accepted) or `N`.
    case sslResponse(accepted: Bool)
    /// The one-byte answer to GSSENCRequest: `G` (accepted) or `N`.
    case gssENCResponse(accepted: Bool)

    /// The protocol docs' name of the message, such as `AuthenticationSASLContinue`.
    public var typeName: String {
        switch self {
        case .authentication(let authentication): authentication.typeName
        case .backendKeyData: "BackendKeyData"
        case .bindComplete: "BindComplete"
        case .closeComplete: "CloseComplete"
        case .commandComplete: "CommandComplete"
        case .copyData: "CopyData"
        case .copyDone: "CopyDone"
        case .copyInResponse: "CopyInResponse"
        case .copyOutResponse: "CopyOutResponse"
        case .copyBothResponse: "CopyBothResponse"
        case .dataRow: "DataRow"
        case .emptyQueryResponse: "EmptyQueryResponse"
        case .errorResponse: "ErrorResponse"
        case .functionCallResponse: "FunctionCallResponse"
        case .negotiateProtocolVersion: "NegotiateProtocolVersion"
        case .noData: "NoData"
        case .noticeResponse: "NoticeResponse"
        case .notificationResponse: "NotificationResponse"
        case .parameterDescription: "ParameterDescription"
        case .parameterStatus: "ParameterStatus"
        case .parseComplete: "ParseComplete"
        case .portalSuspended: "PortalSuspended"
        case .readyForQuery: "ReadyForQuery"
        case .rowDescription: "RowDescription"
        case .sslResponse: "SSLResponse"
        case .gssENCResponse: "GSSENCResponse"
        }
    }

    /// The type byte; for the one-byte responses, the byte itself.
    public var typeByte: UInt8 {
        switch self {
        case .authentication: UInt8(ascii: "R")
        case .backendKeyData: UInt8(ascii: "K")
        case .bindComplete: UInt8(ascii: "2")
        case .closeComplete: UInt8(ascii: "3")
        case .commandComplete: UInt8(ascii: "C")
        case .copyData: UInt8(ascii: "d")
        case .copyDone: UInt8(ascii: "c")
        case .copyInResponse: UInt8(ascii: "G")
        case .copyOutResponse: UInt8(ascii: "H")
        case .copyBothResponse: UInt8(ascii: "W")
        case .dataRow: UInt8(ascii: "D")
        case .emptyQueryResponse: UInt8(ascii: "I")
        case .errorResponse: UInt8(ascii: "E")
        case .functionCallResponse: UInt8(ascii: "V")
        case .negotiateProtocolVersion: UInt8(ascii: "v")
        case .noData: UInt8(ascii: "n")
        case .noticeResponse: UInt8(ascii: "N")
        case .notificationResponse: UInt8(ascii: "A")
        case .parameterDescription: UInt8(ascii: "t")
        case .parameterStatus: UInt8(ascii: "S")
        case .parseComplete: UInt8(ascii: "1")
        case .portalSuspended: UInt8(ascii: "s")
        case .readyForQuery: UInt8(ascii: "Z")
        case .rowDescription: UInt8(ascii: "T")
        case .sslResponse(let accepted): accepted ? UInt8(ascii: "S") : UInt8(ascii: "N")
        case .gssENCResponse(let accepted): accepted ? UInt8(ascii: "G") : UInt8(ascii: "N")
        }
    }

    /// Appends the complete message, header included, to `buffer`.
    ///
    /// A legacy (pre-3.0) ErrorResponse, ``DiagnosticMessage/legacy(_:)``, is written as PostgreSQL writes it:
    /// `E`, the text and a zero byte, with no length word.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .sslResponse, .gssENCResponse:
            buffer.writeInteger(typeByte)
        case .errorResponse(let diagnostic) where diagnostic.isLegacy,
            .noticeResponse(let diagnostic)
        where diagnostic.isLegacy:
            // Pre-3.0 framing: no length word.
            buffer.writeInteger(typeByte)
            diagnostic.encode(into: &buffer)
        default:
            buffer.writeTypedMessage(typeByte) { self.encodeBody(into: &$0) }
        }
    }

    private func encodeBody(into buffer: inout ByteBuffer) {
        switch self {
        case .authentication(let message): message.encode(into: &buffer)
        case .backendKeyData(let message): message.encode(into: &buffer)
        case .commandComplete(let message): message.encode(into: &buffer)
        case .copyData(let message): message.encode(into: &buffer)
        case .copyInResponse(let message), .copyOutResponse(let message), .copyBothResponse(let message):
            message.encode(into: &buffer)
        case .dataRow(let message): message.encode(into: &buffer)
        case .errorResponse(let message), .noticeResponse(let message): message.encode(into: &buffer)
        case .functionCallResponse(let message): message.encode(into: &buffer)
        case .negotiateProtocolVersion(let message): message.encode(into: &buffer)
        case .notificationResponse(let message): message.encode(into: &buffer)
        case .parameterDescription(let message): message.encode(into: &buffer)
        case .parameterStatus(let message): message.encode(into: &buffer)
        case .readyForQuery(let status): buffer.writeInteger(status.rawValue)
        case .rowDescription(let message): message.encode(into: &buffer)
        case .bindComplete, .closeComplete, .copyDone, .emptyQueryResponse, .noData, .parseComplete,
            .portalSuspended, .sslResponse, .gssENCResponse:
            break
        }
    }

    /// The message name for a typed backend message's type byte, before its body is decoded.
    package static func typeName(forTypeByte byte: UInt8) -> String? {
        switch byte {
        case UInt8(ascii: "R"): "Authentication"
        case UInt8(ascii: "K"): "BackendKeyData"
        case UInt8(ascii: "2"): "BindComplete"
        case UInt8(ascii: "3"): "CloseComplete"
        case UInt8(ascii: "C"): "CommandComplete"
        case UInt8(ascii: "d"): "CopyData"
        case UInt8(ascii: "c"): "CopyDone"
        case UInt8(ascii: "G"): "CopyInResponse"
        case UInt8(ascii: "H"): "CopyOutResponse"
        case UInt8(ascii: "W"): "CopyBothResponse"
        case UInt8(ascii: "D"): "DataRow"
        case UInt8(ascii: "I"): "EmptyQueryResponse"
        case UInt8(ascii: "E"): "ErrorResponse"
        case UInt8(ascii: "V"): "FunctionCallResponse"
        case UInt8(ascii: "v"): "NegotiateProtocolVersion"
        case UInt8(ascii: "n"): "NoData"
        case UInt8(ascii: "N"): "NoticeResponse"
        case UInt8(ascii: "A"): "NotificationResponse"
        case UInt8(ascii: "t"): "ParameterDescription"
        case UInt8(ascii: "S"): "ParameterStatus"
        case UInt8(ascii: "1"): "ParseComplete"
        case UInt8(ascii: "s"): "PortalSuspended"
        case UInt8(ascii: "Z"): "ReadyForQuery"
        case UInt8(ascii: "T"): "RowDescription"
        default: nil
        }
    }

    /// Decodes the body of a typed message.
    static func decodeTyped(typeByte: UInt8, body: inout ByteBuffer) throws(WireFormatError) -> BackendMessage {
        let message: BackendMessage
        switch typeByte {
        case UInt8(ascii: "D"): message = .dataRow(try DataRow.decode(from: &body))
        case UInt8(ascii: "R"): message = .authentication(try Authentication.decode(from: &body))
        case UInt8(ascii: "K"): message = .backendKeyData(try BackendKeyData.decode(from: &body))
        case UInt8(ascii: "2"): message = .bindComplete
        case UInt8(ascii: "3"): message = .closeComplete
        case UInt8(ascii: "C"): message = .commandComplete(try CommandComplete.decode(from: &body))
        case UInt8(ascii: "d"): message = .copyData(CopyData.decode(from: &body))
        case UInt8(ascii: "c"): message = .copyDone
        case UInt8(ascii: "G"): message = .copyInResponse(try CopyResponse.decode(from: &body))
        case UInt8(ascii: "H"): message = .copyOutResponse(try CopyResponse.decode(from: &body))
        case UInt8(ascii: "W"): message = .copyBothResponse(try CopyResponse.decode(from: &body))
        case UInt8(ascii: "I"): message = .emptyQueryResponse
        case UInt8(ascii: "E"): message = .errorResponse(try DiagnosticMessage.decode(from: &body))
        case UInt8(ascii: "V"): message = .functionCallResponse(try FunctionCallResponse.decode(from: &body))
        case UInt8(ascii: "v"): message = .negotiateProtocolVersion(try NegotiateProtocolVersion.decode(from: &body))
        case UInt8(ascii: "n"): message = .noData
        case UInt8(ascii: "N"): message = .noticeResponse(try DiagnosticMessage.decode(from: &body))
        case UInt8(ascii: "A"): message = .notificationResponse(try NotificationResponse.decode(from: &body))
        case UInt8(ascii: "t"): message = .parameterDescription(try ParameterDescription.decode(from: &body))
        case UInt8(ascii: "S"): message = .parameterStatus(try ParameterStatus.decode(from: &body))
        case UInt8(ascii: "1"): message = .parseComplete
        case UInt8(ascii: "s"): message = .portalSuspended
        case UInt8(ascii: "Z"): message = .readyForQuery(try TransactionStatus.read(from: &body))
        case UInt8(ascii: "T"): message = .rowDescription(try RowDescription.decode(from: &body))
        default: throw .unknownMessageType(typeByte)
        }
        try body.expectFullyRead()
        return message
    }
}
