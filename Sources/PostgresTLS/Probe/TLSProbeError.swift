/// Why a ``PostgresTLSProbe`` could not reach the point of reporting: the network failed, the server answered
/// something other than PostgreSQL would, or the TLS handshake failed.
public struct TLSProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// What the failure likely means and what to do, when there is a likely cause (a server before PostgreSQL 17
    /// closing a direct TLS handshake); `nil` otherwise.
    public var hint: String?

    /// An error saying `description`, with `hint` when there is one.
    public init(_ description: String, hint: String? = nil) {
        self.description = description
        self.hint = hint
    }
}
