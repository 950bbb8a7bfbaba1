import NIOCore

/// Which message a frontend `p` message is; that depends on the server's last Authentication request.
public enum PasswordMessageKind: Sendable, Hashable {
    /// PasswordMessage, after AuthenticationCleartextPassword or AuthenticationMD5Password.
    case password
    /// SASLInitialResponse, after AuthenticationSASL.
    case saslInitialResponse
    /// SASLResponse, after AuthenticationSASLContinue.
    case saslResponse
    /// GSSResponse, after AuthenticationGSS, AuthenticationSSPI or AuthenticationGSSContinue.
    case gssResponse

    /// The kind of `p` message that answers `request`; `nil` when the request expects none.
    public init?(answering request: Authentication) {
        switch request {
        case .cleartextPassword, .md5Password: self = .password
        case .sasl: self = .saslInitialResponse
        case .saslContinue: self = .saslResponse
        case .gss, .sspi, .gssContinue: self = .gssResponse
        case .ok, .kerberosV5, .saslFinal: return nil
        }
    }

    /// The protocol docs' name of the message.
    public var typeName: String {
        switch self {
        case .password: "PasswordMessage"
        case .saslInitialResponse: "SASLInitialResponse"
        case .saslResponse: "SASLResponse"
        case .gssResponse: "GSSResponse"
        }
    }

    /// Guesses the kind from the body alone, for a frontend stream decoded without its backend stream.
    ///
    /// A mechanism name followed by a matching length is a SASLInitialResponse; a single zero-terminated
    /// UTF-8 string is a PasswordMessage; SCRAM's client-final-message starts with `c=`; anything else is a GSS token.
    public static func guess(fromBody body: ByteBuffer) -> PasswordMessageKind {
        var probe = body
        if let mechanism = try? probe.readCString(field: "mechanism"), mechanism.hasPrefix("SCRAM-"),
            let length = probe.readInteger(as: Int32.self),
            (length == -1 && probe.readableBytes == 0) || Int(length) == probe.readableBytes
        {
            return .saslInitialResponse
        }
        let bytes = body.readableBytesView
        if bytes.last == 0, bytes.firstIndex(of: 0) == bytes.index(before: bytes.endIndex),
            String(validating: bytes.dropLast(), as: UTF8.self) != nil
        {
            return .password
        }
        if bytes.starts(with: "c=".utf8) {
            return .saslResponse
        }
        return .gssResponse
    }
}
