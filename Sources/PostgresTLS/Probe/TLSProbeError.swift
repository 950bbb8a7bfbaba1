/// Why a ``PostgresTLSProbe`` could not reach the point of reporting: the network failed, the server answered
/// something other than PostgreSQL would, or the TLS handshake failed.
public struct TLSProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
