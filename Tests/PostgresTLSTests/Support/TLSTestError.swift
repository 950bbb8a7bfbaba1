/// Why a TLS test could not run or what went wrong around it.
enum TLSTestError: Error, CustomStringConvertible {
    /// A program or system facility the test needs is missing; the test fails naming it.
    case missingPrerequisite(String)
    /// A subprocess did not succeed.
    case commandFailed(String, ProcessOutcome)
    /// Something did not happen in time.
    case timedOut(String)
    /// A peer spoke something other than what the test expected.
    case unexpected(String)

    var description: String {
        switch self {
        case .missingPrerequisite(let what): "missing prerequisite: \(what)"
        case .commandFailed(let what, let outcome): "\(what) failed: \(outcome)"
        case .timedOut(let what): "timed out \(what)"
        case .unexpected(let what): "unexpected: \(what)"
        }
    }
}
