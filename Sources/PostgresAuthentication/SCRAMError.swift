/// Why a SCRAM-SHA-256 exchange or verifier was rejected.
public enum SCRAMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A verifier that is not PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    case malformedVerifier(String)
    /// A message that breaks RFC 5802's grammar or PostgreSQL's rules (PostgreSQL: "malformed SCRAM message",
    /// SQLSTATE 08P01), with the reason.
    case malformedMessage(String)
    /// The client chose a mechanism the server did not offer (PostgreSQL: "client selected an invalid SASL
    /// authentication mechanism", 08P01).
    case unsupportedMechanism(String)
    /// An authorization identity or a mandatory extension, which PostgreSQL does not support (0A000).
    case unsupportedFeature(String)
    /// The GS2 header contradicts the chosen mechanism, a `y` flag reached a server offering channel binding
    /// (a downgrade), the binding type is not `tls-server-end-point`, or the binding data differ.
    case channelBindingMismatch(String)
    /// The nonce does not continue the exchange: the client-final-message does not repeat the combined nonce,
    /// or (client side) the server's nonce does not extend the client's.
    case nonceMismatch
    /// The client's proof is wrong: the password does not match the verifier.
    case invalidProof
    /// Client side: the server's signature is wrong, so the server does not hold the password's keys.
    case invalidServerSignature
    /// Client side: the server ended the exchange with this `e=` error.
    case serverError(String)
    /// A message that the exchange does not expect now: out of order, or after it succeeded or failed.
    case unexpectedMessage

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String {
        switch self {
        case .malformedVerifier(let reason): "malformed SCRAM verifier: \(reason)"
        case .malformedMessage(let reason): "malformed SCRAM message: \(reason)"
        case .unsupportedMechanism(let mechanism): "unsupported SASL mechanism \"\(mechanism)\""
        case .unsupportedFeature(let feature): "unsupported SCRAM feature: \(feature)"
        case .channelBindingMismatch(let reason): "SCRAM channel binding failed: \(reason)"
        case .nonceMismatch: "SCRAM nonce mismatch"
        case .invalidProof: "invalid SCRAM client proof"
        case .invalidServerSignature: "invalid SCRAM server signature"
        case .serverError(let error): "SCRAM error from the server: \(error)"
        case .unexpectedMessage: "unexpected SCRAM message"
        }
    }
}
