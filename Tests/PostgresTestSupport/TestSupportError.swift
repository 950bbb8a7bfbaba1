/// Why a test could not do its work, phrased so the failure message says what to fix.
public enum TestSupportError: Error, CustomStringConvertible {
    /// Something the test needs is not installed or not reachable.
    case missingPrerequisite(String)
    /// A setup or client command did not succeed.
    case commandFailed(String, ProcessOutcome)
    /// The test environment could not be set up.
    case setupFailed(String)
    /// A wait ran out of time.
    case timedOut(String)
    /// A peer or program did something other than what the test expected.
    case unexpected(String)

    /// The reason, starting with what kind of problem it is.
    public var description: String {
        switch self {
        case .missingPrerequisite(let what):
            "Missing prerequisite: \(what)"
        case .commandFailed(let what, let outcome):
            "\(what) failed: \(outcome)"
        case .setupFailed(let what):
            "Setup failed: \(what)"
        case .timedOut(let what):
            "Timed out: \(what)"
        case .unexpected(let what):
            "Unexpected: \(what)"
        }
    }
}
