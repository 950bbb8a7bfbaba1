/// The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS as libpq runs it: a value type without I/O.
///
/// Send ``mechanism`` and ``clientFirstMessage`` in SASLInitialResponse; pass the data of
/// AuthenticationSASLContinue to ``receiveServerFirst(_:)`` and send the result in SASLResponse; pass the data of
/// AuthenticationSASLFinal to ``receiveServerFinal(_:)``, which proves that the server holds the password's keys.
/// The first error ends the exchange; any later message throws ``SCRAMError/unexpectedMessage``.
public struct SCRAMClientExchange: Sendable {
    /// The mechanism to name in SASLInitialResponse.
    public let mechanism: SCRAMMechanism
    /// The client-first-message, to send in SASLInitialResponse.
    public let clientFirstMessage: [UInt8]
    private let password: String
    private let clientFirstBare: [UInt8]
    private let clientNonce: [UInt8]
    /// The GS2 header and binding data that the `c=` attribute carries in base64.
    private let channelBindingInput: [UInt8]
    private var state = State.awaitingServerFirst

    private enum State {
        case awaitingServerFirst
        case awaitingServerFinal(serverSignature: [UInt8])
        case ended
    }

    /// An exchange whose ``clientFirstMessage`` is ready to send.
    /// - Parameters:
    ///   - user: the `n=` user name; PostgreSQL ignores it and libpq sends it empty.
    ///   - mechanism: SCRAM-SHA-256-PLUS requires `channelBinding`.
    ///   - channelBinding: the connection's `tls-server-end-point` data. With SCRAM-SHA-256 it only makes the
    ///     client send the `y` flag (able to bind, but the server did not offer -PLUS), as libpq does over TLS.
    ///   - clientNonce: printable ASCII without commas; `nil` for 18 random bytes in base64, like libpq.
    public init(
        user: String = "", password: String, mechanism: SCRAMMechanism = .scramSHA256, channelBinding: [UInt8]? = nil,
        clientNonce: String? = nil
    ) {
        precondition(
            mechanism == .scramSHA256 || channelBinding != nil, "SCRAM-SHA-256-PLUS needs channel binding data")
        let nonce = Array((clientNonce ?? SCRAMNonce.random()).utf8)
        precondition(!nonce.isEmpty && SCRAMNonce.isPrintable(nonce), "a SCRAM nonce is printable ASCII without commas")
        let gs2Header: String
        switch (mechanism, channelBinding) {
        case (.scramSHA256Plus, _): gs2Header = "p=tls-server-end-point,,"
        case (.scramSHA256, nil): gs2Header = "n,,"
        case (.scramSHA256, _): gs2Header = "y,,"
        }
        let userName = user.replacing("=", with: "=3D").replacing(",", with: "=2C")
        self.mechanism = mechanism
        self.password = password
        self.clientNonce = nonce
        clientFirstBare = Array("n=\(userName),r=".utf8) + nonce
        clientFirstMessage = Array(gs2Header.utf8) + clientFirstBare
        channelBindingInput = Array(gs2Header.utf8) + (mechanism == .scramSHA256Plus ? channelBinding ?? [] : [])
    }

    /// Checks the server-first-message and returns the client-final-message with the client's proof.
    public mutating func receiveServerFirst(_ message: [UInt8]) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingServerFirst = state else { throw .unexpectedMessage }
        state = .ended
        var reader = try SCRAMAttributeReader(message)
        guard reader.next != UInt8(ascii: "m") else {
            throw .unsupportedFeature("the server requires an unsupported SCRAM extension")
        }
        let nonce = try reader.read("r")
        guard nonce.count > clientNonce.count, nonce.starts(with: clientNonce) else { throw .nonceMismatch }
        guard SCRAMNonce.isPrintable(nonce) else { throw .malformedMessage("non-printable characters in SCRAM nonce") }
        guard let salt = Base64.decode(try reader.read("s")) else {
            throw .malformedMessage("The salt in server-first-message is not base64.")
        }
        guard let iterations = Int(String(decoding: try reader.read("i"), as: UTF8.self)),
            SCRAMVerifier.iterationRange.contains(iterations)
        else {
            throw .malformedMessage(
                "The iteration count in server-first-message is not a number from 1 to \(Int32.max).")
        }
        guard reader.isAtEnd else { throw .malformedMessage("Garbage found at the end of server-first-message.") }

        let keys = SCRAMKeys(password: password, salt: salt, iterations: iterations)
        let withoutProof = Array("c=\(Base64.encode(channelBindingInput)),r=".utf8) + nonce
        let authMessage = clientFirstBare + [UInt8(ascii: ",")] + message + [UInt8(ascii: ",")] + withoutProof
        let proof = SCRAMKeys.xor(keys.clientKey, SCRAMKeys.signature(key: keys.storedKey, authMessage: authMessage))
        state = .awaitingServerFinal(
            serverSignature: SCRAMKeys.signature(key: keys.serverKey, authMessage: authMessage))
        return withoutProof + Array(",p=\(Base64.encode(proof))".utf8)
    }

    /// Checks the server-final-message: the server's signature, or the `e=` error it reports instead.
    public mutating func receiveServerFinal(_ message: [UInt8]) throws(SCRAMError) {
        guard case .awaitingServerFinal(let expectedSignature) = state else { throw .unexpectedMessage }
        state = .ended
        var reader = try SCRAMAttributeReader(message)
        guard reader.next != UInt8(ascii: "e") else {
            throw .serverError(String(decoding: try reader.read("e"), as: UTF8.self))
        }
        guard let signature = Base64.decode(try reader.read("v")) else {
            throw .malformedMessage("The server signature is not base64.")
        }
        guard reader.isAtEnd else { throw .malformedMessage("Garbage found at the end of server-final-message.") }
        guard ConstantTime.equals(signature, expectedSignature) else { throw .invalidServerSignature }
    }
}
