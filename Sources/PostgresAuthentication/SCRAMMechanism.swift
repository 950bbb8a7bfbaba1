/// The SASL mechanisms of SCRAM-SHA-256 (RFC 7677), as named in AuthenticationSASL and SASLInitialResponse.
public enum SCRAMMechanism: String, Sendable, Hashable, CaseIterable {
    /// SCRAM-SHA-256 without channel binding.
    case scramSHA256 = "SCRAM-SHA-256"
    /// SCRAM-SHA-256 bound to the TLS channel with `tls-server-end-point` (RFC 5929).
    case scramSHA256Plus = "SCRAM-SHA-256-PLUS"
}
