import PostgresAuthentication
import PostgresWire

extension SCRAMError {
    /// PostgreSQL's errors that are whole messages, not the DETAIL of "malformed SCRAM message".
    private static let wholeMessages: Set<String> = [
        "non-printable characters in SCRAM nonce",
        "unexpected SCRAM channel-binding attribute in client-final-message",
    ]

    /// The FATAL PostgreSQL 15's auth-scram.c sends for this failure of a client's SCRAM message, with its SQLSTATE
    /// and DETAIL; `user` names the role of a wrong proof.
    func serverDiagnostic(user: String) -> DiagnosticMessage {
        func fatal(_ code: SQLState, _ message: String, detail: String? = nil) -> DiagnosticMessage {
            DiagnosticMessage(severity: "FATAL", sqlState: code.rawValue, message: message, detail: detail)
        }
        switch self {
        case .malformedMessage(let reason) where Self.wholeMessages.contains(reason):
            return fatal(.protocolViolation, reason)
        case .malformedMessage(let reason):
            return fatal(.protocolViolation, "malformed SCRAM message", detail: reason)
        case .unsupportedMechanism:
            return fatal(.protocolViolation, "client selected an invalid SASL authentication mechanism")
        case .unsupportedFeature(let message):
            return fatal(.featureNotSupported, message)
        case .channelBindingMismatch(let reason) where reason.hasPrefix("The client supports SCRAM channel binding"):
            return fatal(.invalidAuthorizationSpecification, "SCRAM channel binding negotiation error", detail: reason)
        case .channelBindingMismatch(let reason) where reason.hasPrefix("The client selected"):
            return fatal(.protocolViolation, "malformed SCRAM message", detail: reason)
        case .channelBindingMismatch(let reason) where reason == "SCRAM channel binding check failed":
            return fatal(.invalidAuthorizationSpecification, reason)
        case .channelBindingMismatch(let reason):
            return fatal(.protocolViolation, reason)
        case .nonceMismatch:
            return fatal(.protocolViolation, "invalid SCRAM response", detail: "Nonce does not match.")
        case .malformedVerifier, .invalidProof, .invalidServerSignature, .serverError, .unexpectedMessage:
            return fatal(.invalidPassword, "password authentication failed for user \"\(user)\"")
        }
    }
}
