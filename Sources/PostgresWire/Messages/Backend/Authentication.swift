import NIOCore

/// An Authentication message (`R`): the server's authentication request or result.
public enum Authentication: Sendable, Hashable {
    /// AuthenticationOk (0): authentication succeeded.
    case ok
    /// AuthenticationKerberosV5 (2): no longer supported by PostgreSQL.
    case kerberosV5
    /// AuthenticationCleartextPassword (3): send the password in a PasswordMessage.
    case cleartextPassword
    /// AuthenticationMD5Password (5): send `md5` + md5(md5(password + user) + salt).
    case md5Password(salt: [UInt8])
    /// AuthenticationGSS (7): start GSSAPI negotiation.
    case gss
    /// AuthenticationGSSContinue (8): GSSAPI or SSPI data.
    case gssContinue(data: ByteBuffer)
    /// AuthenticationSSPI (9): start SSPI negotiation.
    case sspi
    /// AuthenticationSASL (10): start SASL with one of these mechanisms.
    case sasl(mechanisms: [String])
    /// AuthenticationSASLContinue (11): a SASL challenge (SCRAM's server-first-message).
    case saslContinue(data: ByteBuffer)
    /// AuthenticationSASLFinal (12): SASL outcome data (SCRAM's server-final-message).
    case saslFinal(data: ByteBuffer)

    /// The authentication code on the wire.
    public var code: Int32 {
        switch self {
        case .ok: 0
        case .kerberosV5: 2
        case .cleartextPassword: 3
        case .md5Password: 5
        case .gss: 7
        case .gssContinue: 8
        case .sspi: 9
        case .sasl: 10
        case .saslContinue: 11
        case .saslFinal: 12
        }
    }

    /// The protocol docs' name, such as `AuthenticationSASLContinue`.
    public var typeName: String {
        switch self {
        case .ok: "AuthenticationOk"
        case .kerberosV5: "AuthenticationKerberosV5"
        case .cleartextPassword: "AuthenticationCleartextPassword"
        case .md5Password: "AuthenticationMD5Password"
        case .gss: "AuthenticationGSS"
        case .gssContinue: "AuthenticationGSSContinue"
        case .sspi: "AuthenticationSSPI"
        case .sasl: "AuthenticationSASL"
        case .saslContinue: "AuthenticationSASLContinue"
        case .saslFinal: "AuthenticationSASLFinal"
        }
    }

    /// Reads a Authentication from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Authentication {
        let code = try body.readWireInteger(as: Int32.self, field: "authentication code")
        switch code {
        case 0: return .ok
        case 2: return .kerberosV5
        case 3: return .cleartextPassword
        case 5:
            guard let salt = body.readBytes(length: 4) else { throw .truncated(field: "salt") }
            return .md5Password(salt: salt)
        case 7: return .gss
        case 8: return .gssContinue(data: body.readRemainingSlice())
        case 9: return .sspi
        case 10:
            var mechanisms: [String] = []
            while true {
                let mechanism = try body.readCString(field: "mechanism name")
                if mechanism.isEmpty { return .sasl(mechanisms: mechanisms) }
                mechanisms.append(mechanism)
            }
        case 11: return .saslContinue(data: body.readRemainingSlice())
        case 12: return .saslFinal(data: body.readRemainingSlice())
        default: throw .invalidValue(field: "authentication code", value: Int64(code))
        }
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code)
        switch self {
        case .ok, .kerberosV5, .cleartextPassword, .gss, .sspi:
            break
        case .md5Password(let salt):
            buffer.writeBytes(salt)
        case .gssContinue(let data), .saslContinue(let data), .saslFinal(let data):
            buffer.writeImmutableBuffer(data)
        case .sasl(let mechanisms):
            for mechanism in mechanisms {
                buffer.writeCString(mechanism)
            }
            buffer.writeInteger(UInt8(0))
        }
    }
}
