import NIOCore

/// Every message a client sends, protocol 3.0 and 3.2.
public enum FrontendMessage: Sendable, Hashable {
    /// Bind (`B`): creates a portal from a prepared statement and parameter values.
    case bind(Bind)
    /// CancelRequest: sent on a new connection to cancel the query running on another.
    case cancelRequest(CancelRequest)
    /// Close (`C`): closes a prepared statement or portal.
    case close(StatementOrPortal)
    /// CopyData (`d`): a chunk of COPY FROM STDIN data, or replication feedback.
    case copyData(CopyData)
    /// CopyDone (`c`): the COPY FROM STDIN data is complete.
    case copyDone
    /// CopyFail (`f`): the frontend aborts a COPY FROM STDIN.
    case copyFail(CopyFail)
    /// Describe (`D`): asks for the description of a prepared statement or portal.
    case describe(StatementOrPortal)
    /// Execute (`E`): runs a portal.
    case execute(Execute)
    /// Flush (`H`): asks the server to send the output it holds back.
    case flush
    /// FunctionCall (`F`): the legacy fast-path function call.
    case functionCall(FunctionCall)
    /// GSSENCRequest: asks for GSSAPI encryption before the StartupMessage.
    case gssENCRequest
    /// GSSResponse (`p`): a GSSAPI or SSPI token.
    case gssResponse(GSSResponse)
    /// Parse (`P`): creates a prepared statement.
    case parse(Parse)
    /// PasswordMessage (`p`): a cleartext password or an md5 response.
    case password(PasswordMessage)
    /// Query (`Q`): a simple query, possibly several statements.
    case query(Query)
    /// SASLInitialResponse (`p`): the chosen SASL mechanism and its first message.
    case saslInitialResponse(SASLInitialResponse)
    /// SASLResponse (`p`): a SASL message after the first.
    case saslResponse(SASLResponse)
    /// SSLRequest: asks for TLS before the StartupMessage.
    case sslRequest
    /// StartupMessage: the protocol version and session parameters that open a connection.
    case startup(StartupMessage)
    /// Sync (`S`): ends an extended-query batch; the server answers with ReadyForQuery.
    case sync
    /// Terminate (`X`): the client is closing the connection.
    case terminate

    /// The request code that identifies an SSLRequest packet.
    public static let sslRequestCode: UInt32 = 80_877_103
    /// The request code that identifies a GSSENCRequest packet.
    public static let gssENCRequestCode: UInt32 = 80_877_104

    /// The protocol docs' name of the message, such as `SASLInitialResponse`.
    public var typeName: String {
        switch self {
        case .bind: "Bind"
        case .cancelRequest: "CancelRequest"
        case .close: "Close"
        case .copyData: "CopyData"
        case .copyDone: "CopyDone"
        case .copyFail: "CopyFail"
        case .describe: "Describe"
        case .execute: "Execute"
        case .flush: "Flush"
        case .functionCall: "FunctionCall"
        case .gssENCRequest: "GSSENCRequest"
        case .gssResponse: "GSSResponse"
        case .parse: "Parse"
        case .password: "PasswordMessage"
        case .query: "Query"
        case .saslInitialResponse: "SASLInitialResponse"
        case .saslResponse: "SASLResponse"
        case .sslRequest: "SSLRequest"
        case .startup: "StartupMessage"
        case .sync: "Sync"
        case .terminate: "Terminate"
        }
    }

    /// The type byte of a typed message; `nil` for the untyped startup-phase packets.
    public var typeByte: UInt8? {
        switch self {
        case .bind: UInt8(ascii: "B")
        case .close: UInt8(ascii: "C")
        case .copyData: UInt8(ascii: "d")
        case .copyDone: UInt8(ascii: "c")
        case .copyFail: UInt8(ascii: "f")
        case .describe: UInt8(ascii: "D")
        case .execute: UInt8(ascii: "E")
        case .flush: UInt8(ascii: "H")
        case .functionCall: UInt8(ascii: "F")
        case .gssResponse, .password, .saslInitialResponse, .saslResponse: UInt8(ascii: "p")
        case .parse: UInt8(ascii: "P")
        case .query: UInt8(ascii: "Q")
        case .sync: UInt8(ascii: "S")
        case .terminate: UInt8(ascii: "X")
        case .cancelRequest, .gssENCRequest, .sslRequest, .startup: nil
        }
    }

    /// Appends the complete message, header included, to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .startup(let message):
            message.encode(into: &buffer)
        case .cancelRequest(let message):
            message.encode(into: &buffer)
        case .sslRequest:
            buffer.writeMultipleIntegers(Int32(8), Self.sslRequestCode)
        case .gssENCRequest:
            buffer.writeMultipleIntegers(Int32(8), Self.gssENCRequestCode)
        default:
            buffer.writeTypedMessage(typeByte!) { self.encodeBody(into: &$0) }
        }
    }

    private func encodeBody(into buffer: inout ByteBuffer) {
        switch self {
        case .bind(let message): message.encode(into: &buffer)
        case .close(let message), .describe(let message): message.encode(into: &buffer)
        case .copyData(let message): message.encode(into: &buffer)
        case .copyFail(let message): message.encode(into: &buffer)
        case .execute(let message): message.encode(into: &buffer)
        case .functionCall(let message): message.encode(into: &buffer)
        case .gssResponse(let message): message.encode(into: &buffer)
        case .parse(let message): message.encode(into: &buffer)
        case .password(let message): message.encode(into: &buffer)
        case .query(let message): message.encode(into: &buffer)
        case .saslInitialResponse(let message): message.encode(into: &buffer)
        case .saslResponse(let message): message.encode(into: &buffer)
        case .copyDone, .flush, .sync, .terminate, .cancelRequest, .gssENCRequest, .sslRequest, .startup: break
        }
    }

    /// The message name for a typed frontend message's type byte, before its body is decoded.
    package static func typeName(forTypeByte byte: UInt8, passwordKind: PasswordMessageKind?) -> String? {
        switch byte {
        case UInt8(ascii: "B"): "Bind"
        case UInt8(ascii: "C"): "Close"
        case UInt8(ascii: "d"): "CopyData"
        case UInt8(ascii: "c"): "CopyDone"
        case UInt8(ascii: "f"): "CopyFail"
        case UInt8(ascii: "D"): "Describe"
        case UInt8(ascii: "E"): "Execute"
        case UInt8(ascii: "H"): "Flush"
        case UInt8(ascii: "F"): "FunctionCall"
        case UInt8(ascii: "p"): passwordKind?.typeName ?? "PasswordMessage"
        case UInt8(ascii: "P"): "Parse"
        case UInt8(ascii: "Q"): "Query"
        case UInt8(ascii: "S"): "Sync"
        case UInt8(ascii: "X"): "Terminate"
        default: nil
        }
    }

    /// Decodes the body of a typed message.
    static func decodeTyped(
        typeByte: UInt8,
        body: inout ByteBuffer,
        passwordKind: PasswordMessageKind
    ) throws(WireFormatError) -> FrontendMessage {
        let message: FrontendMessage
        switch typeByte {
        case UInt8(ascii: "B"): message = .bind(try Bind.decode(from: &body))
        case UInt8(ascii: "C"): message = .close(try StatementOrPortal.decode(from: &body))
        case UInt8(ascii: "d"): message = .copyData(CopyData.decode(from: &body))
        case UInt8(ascii: "c"): message = .copyDone
        case UInt8(ascii: "f"): message = .copyFail(try CopyFail.decode(from: &body))
        case UInt8(ascii: "D"): message = .describe(try StatementOrPortal.decode(from: &body))
        case UInt8(ascii: "E"): message = .execute(try Execute.decode(from: &body))
        case UInt8(ascii: "H"): message = .flush
        case UInt8(ascii: "F"): message = .functionCall(try FunctionCall.decode(from: &body))
        case UInt8(ascii: "p"):
            switch passwordKind {
            case .password: message = .password(try PasswordMessage.decode(from: &body))
            case .saslInitialResponse: message = .saslInitialResponse(try SASLInitialResponse.decode(from: &body))
            case .saslResponse: message = .saslResponse(SASLResponse.decode(from: &body))
            case .gssResponse: message = .gssResponse(GSSResponse.decode(from: &body))
            }
        case UInt8(ascii: "P"): message = .parse(try Parse.decode(from: &body))
        case UInt8(ascii: "Q"): message = .query(try Query.decode(from: &body))
        case UInt8(ascii: "S"): message = .sync
        case UInt8(ascii: "X"): message = .terminate
        default: throw .unknownMessageType(typeByte)
        }
        try body.expectFullyRead()
        return message
    }
}
