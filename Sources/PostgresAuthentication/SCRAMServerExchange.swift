/// The server side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL's auth-scram.c
/// runs it: a value type without I/O that checks the client's messages and makes the server's.
///
/// Offer ``offeredMechanisms`` in AuthenticationSASL; pass the SASLInitialResponse to
/// ``receiveClientFirst(_:mechanism:)`` and send the result in AuthenticationSASLContinue; pass the SASLResponse
/// to ``receiveClientFinal(_:)`` and send the result in AuthenticationSASLFinal, then AuthenticationOk.
/// The first error ends the exchange; any later message throws ``SCRAMError/unexpectedMessage``.
public struct SCRAMServerExchange: Sendable {
    /// The verifier of the role logging in.
    public let verifier: SCRAMVerifier
    /// The connection's `tls-server-end-point` channel binding data (RFC 5929: the hash of the server
    /// certificate), or `nil` without TLS, in which case SCRAM-SHA-256-PLUS is not offered.
    public let channelBinding: [UInt8]?
    private let serverNonce: [UInt8]
    private var state = State.awaitingClientFirst

    private enum State {
        case awaitingClientFirst
        /// `channelBindingInput` is the GS2 header and binding data that the `c=` attribute must carry in base64.
        case awaitingClientFinal(channelBindingInput: [UInt8], combinedNonce: [UInt8], authMessagePrefix: [UInt8])
        case ended
    }

    /// An exchange waiting for the client-first-message.
    /// - Parameter serverNonce: the server's part of the nonce, printable ASCII without commas; `nil` for
    ///   18 random bytes in base64, like PostgreSQL. Fix it only in tests.
    public init(verifier: SCRAMVerifier, channelBinding: [UInt8]? = nil, serverNonce: String? = nil) {
        let nonce = Array((serverNonce ?? SCRAMNonce.random()).utf8)
        precondition(!nonce.isEmpty && SCRAMNonce.isPrintable(nonce), "a SCRAM nonce is printable ASCII without commas")
        self.verifier = verifier
        self.channelBinding = channelBinding
        self.serverNonce = nonce
    }

    /// The mechanisms to list in AuthenticationSASL, in PostgreSQL's order.
    public var offeredMechanisms: [SCRAMMechanism] {
        channelBinding == nil ? [.scramSHA256] : [.scramSHA256Plus, .scramSHA256]
    }

    /// Checks the client-first-message sent with `mechanism` and returns the server-first-message.
    ///
    /// As in PostgreSQL, the GS2 flag must suit the mechanism: `n` or `y` with SCRAM-SHA-256, and `y` only when
    /// channel binding was not offered (otherwise a downgrade); `p=tls-server-end-point` with -PLUS. Authorization
    /// identities and mandatory extensions are refused; the user name is ignored (the startup message names the
    /// role) and optional extensions are skipped.
    public mutating func receiveClientFirst(_ message: [UInt8], mechanism: String) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingClientFirst = state else { throw .unexpectedMessage }
        state = .ended
        let bindsChannel: Bool
        switch SCRAMMechanism(rawValue: mechanism) {
        case .scramSHA256Plus? where channelBinding != nil: bindsChannel = true
        case .scramSHA256?: bindsChannel = false
        default: throw .unsupportedMechanism(mechanism)
        }

        var reader = try SCRAMAttributeReader(message)
        switch reader.next {
        case UInt8(ascii: "n"), UInt8(ascii: "y"):
            guard !bindsChannel else {
                throw .channelBindingMismatch(
                    "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel "
                        + "binding data.")
            }
            if reader.skip("y") {
                guard channelBinding == nil else {
                    throw .channelBindingMismatch(
                        "The client supports SCRAM channel binding but thinks the server does not.  "
                            + "However, this server does support channel binding.")
                }
            } else {
                _ = reader.skip("n")
            }
            guard reader.skip(",") else {
                throw .malformedMessage("Comma expected, but found character \(reader.describedNext).")
            }
        case UInt8(ascii: "p"):
            guard bindsChannel else {
                throw .channelBindingMismatch(
                    "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes "
                        + "channel binding data.")
            }
            let type = try reader.read("p")
            guard type.elementsEqual("tls-server-end-point".utf8) else {
                throw .channelBindingMismatch(
                    "unsupported SCRAM channel-binding type \"\(String(decoding: type, as: UTF8.self))\"")
            }
        default:
            throw .malformedMessage("Unexpected channel-binding flag \(reader.describedNext).")
        }
        guard reader.next != UInt8(ascii: "a") else {
            throw .unsupportedFeature("client uses authorization identity, but it is not supported")
        }
        guard reader.skip(",") else {
            throw .malformedMessage("Unexpected attribute \(reader.describedNext) in client-first-message.")
        }

        let gs2Header = Array(reader.prefix(upTo: reader.offset))
        let clientFirstBare = Array(reader.rest)
        guard reader.next != UInt8(ascii: "m") else {
            throw .unsupportedFeature("client requires an unsupported SCRAM extension")
        }
        _ = try reader.read("n")
        let clientNonce = try reader.read("r")
        guard SCRAMNonce.isPrintable(clientNonce) else {
            throw .malformedMessage("non-printable characters in SCRAM nonce")
        }
        while !reader.isAtEnd {
            _ = try reader.readAny()
        }

        let combinedNonce = Array(clientNonce) + serverNonce
        let serverFirst =
            Array("r=".utf8) + combinedNonce + Array(",s=\(Base64.encode(verifier.salt)),i=\(verifier.iterations)".utf8)
        state = .awaitingClientFinal(
            channelBindingInput: gs2Header + (bindsChannel ? channelBinding ?? [] : []),
            combinedNonce: combinedNonce,
            authMessagePrefix: clientFirstBare + [UInt8(ascii: ",")] + serverFirst + [UInt8(ascii: ",")])
        return serverFirst
    }

    /// Checks the client-final-message and returns the server-final-message (`v=` and the server signature).
    ///
    /// Throws ``SCRAMError/invalidProof`` when the password is wrong, ``SCRAMError/nonceMismatch`` when the nonce
    /// is not the combined one, and ``SCRAMError/channelBindingMismatch(_:)`` when the `c=` attribute does not
    /// repeat the GS2 header (with the connection's binding data under -PLUS).
    public mutating func receiveClientFinal(_ message: [UInt8]) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingClientFinal(let channelBindingInput, let combinedNonce, let authMessagePrefix) = state
        else { throw .unexpectedMessage }
        state = .ended

        var reader = try SCRAMAttributeReader(message)
        guard ConstantTime.equals(try reader.read("c"), Base64.encode(channelBindingInput).utf8) else {
            // As PostgreSQL: with -PLUS the binding data differ; without, the attribute is not the GS2 header.
            guard channelBindingInput.first == UInt8(ascii: "p") else {
                throw .malformedMessage("unexpected SCRAM channel-binding attribute in client-final-message")
            }
            throw .channelBindingMismatch("SCRAM channel binding check failed")
        }
        let finalNonce = try reader.read("r")
        var proofOffset: Int
        var attribute: (name: Unicode.Scalar, value: ArraySlice<UInt8>)
        repeat {
            proofOffset = reader.offset
            attribute = try reader.readAny()
        } while attribute.name != "p"
        guard let proof = Base64.decode(attribute.value), proof.count == CryptoPrimitives.sha256Length else {
            throw .malformedMessage("Malformed proof in client-final-message.")
        }
        guard reader.isAtEnd else { throw .malformedMessage("Garbage found at the end of client-final-message.") }
        guard finalNonce.elementsEqual(combinedNonce) else { throw .nonceMismatch }

        let authMessage = authMessagePrefix + reader.prefix(upTo: proofOffset - 1)
        let clientSignature = SCRAMKeys.signature(key: verifier.storedKey, authMessage: authMessage)
        let clientKey = SCRAMKeys.xor(proof, clientSignature)
        guard ConstantTime.equals(CryptoPrimitives.sha256(clientKey), verifier.storedKey) else { throw .invalidProof }
        let serverSignature = SCRAMKeys.signature(key: verifier.serverKey, authMessage: authMessage)
        return Array("v=\(Base64.encode(serverSignature))".utf8)
    }
}
