/// One line of a certificate check: what was checked, the verdict and why.
public struct CertificateVerdict: Sendable, Hashable, Codable {
    /// A verdict.
    public enum Status: String, Sendable, Hashable, Codable {
        /// The check passed.
        case ok
        /// The check passed, but something deserves attention (such as a certificate expiring soon).
        case warn
        /// The check failed: PostgreSQL or libpq would refuse this.
        case fail = "FAIL"
    }

    /// The check's short name, such as `chain` or `host`.
    public var check: String
    /// The verdict.
    public var status: Status
    /// What was found, in a few words.
    public var detail: String

    /// Creates a verdict.
    public init(check: String, status: Status, detail: String) {
        self.check = check
        self.status = status
        self.detail = detail
    }
}
