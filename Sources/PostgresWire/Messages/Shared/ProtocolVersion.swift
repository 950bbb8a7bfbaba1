/// A frontend/backend protocol version, as sent in StartupMessage (`major << 16 | minor`).
public struct ProtocolVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version: 3 for the current protocol.
    public var major: UInt16
    /// The minor version.
    public var minor: UInt16

    /// The version `major.minor`.
    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    /// Creates a version from its 32-bit wire form.
    public init(rawValue: UInt32) {
        self.init(major: UInt16(rawValue >> 16), minor: UInt16(rawValue & 0xFFFF))
    }

    /// The 32-bit wire form.
    public var rawValue: UInt32 { UInt32(major) << 16 | UInt32(minor) }

    /// Protocol 3.0, PostgreSQL 7.4 to 17.
    public static let v3_0 = ProtocolVersion(major: 3, minor: 0)
    /// Protocol 3.2, PostgreSQL 18 (variable-length cancel keys).
    public static let v3_2 = ProtocolVersion(major: 3, minor: 2)

    /// Orders versions by major, then minor version.
    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String { "\(major).\(minor)" }
}
