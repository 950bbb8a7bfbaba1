import NIOCore

/// A binary value shown as what it is, decoded by its type (a Bind parameter or DataRow column whose type the
/// connection's Parse, ParameterDescription or RowDescription gave): `42` for an int4, not `\x0000002a`.
public struct TypedValue: Sendable, Hashable {
    /// A decoded value.
    public indirect enum Value: Sendable, Hashable {
        /// A finite number in decimal, as PostgreSQL writes it (ints, oid, float4/float8, numeric): bare in text
        /// lines and a JSON number.
        case number(String)
        /// A bool.
        case boolean(Bool)
        /// PostgreSQL's text output of the value (text, uuid, date, timestamp, interval, bytea's `\x…`, a float's
        /// `NaN` or `Infinity`, …): quoted in text lines, a JSON string.
        case text(String)
        /// An array's elements, `nil` for NULL (nested for more dimensions; lower bounds are not shown).
        case array([Value?])
    }

    /// The type's name, such as `int4`.
    public var typeName: String
    /// The value.
    public var value: Value
    /// The value's bytes on the wire.
    public var bytes: ByteBuffer

    /// Creates a typed value.
    public init(typeName: String, value: Value, bytes: ByteBuffer) {
        self.typeName = typeName
        self.value = value
        self.bytes = bytes
    }
}
