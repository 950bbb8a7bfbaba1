import PostgresAuthentication
import PostgresGateway
import Testing

/// The case of a ``SCRAMError`` without its wording, so tests need not pin the messages.
enum SCRAMErrorKind: Sendable, Hashable {
    case malformedVerifier
    case malformedMessage
    case unsupportedMechanism
    case unsupportedFeature
    case channelBindingMismatch
    case nonceMismatch
    case invalidProof
    case invalidServerSignature
    case serverError
    case unexpectedMessage

    init(_ error: SCRAMError) {
        switch error {
        case .malformedVerifier: self = .malformedVerifier
        case .malformedMessage: self = .malformedMessage
        case .unsupportedMechanism: self = .unsupportedMechanism
        case .unsupportedFeature: self = .unsupportedFeature
        case .channelBindingMismatch: self = .channelBindingMismatch
        case .nonceMismatch: self = .nonceMismatch
        case .invalidProof: self = .invalidProof
        case .invalidServerSignature: self = .invalidServerSignature
        case .serverError: self = .serverError
        case .unexpectedMessage: self = .unexpectedMessage
        }
    }

    /// The kind of ``SCRAMError`` that `body` throws; `nil` (and a recorded issue for any other error) otherwise.
    static func of(_ body: () throws -> Void) -> SCRAMErrorKind? {
        do {
            try body()
        } catch let error as SCRAMError {
            return SCRAMErrorKind(error)
        } catch {
            Issue.record("expected a SCRAMError, got \(error)")
        }
        return nil
    }
}
