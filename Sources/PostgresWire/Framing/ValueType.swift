/// The type and format of a value on the wire, a Bind parameter or a DataRow column, as the connection told it.
public struct ValueType: Sendable, Hashable {
    /// The data type's OID; 0 when not known.
    public var oid: UInt32
    /// Text or binary.
    public var format: FormatCode

    /// A value type.
    public init(oid: UInt32, format: FormatCode) {
        self.oid = oid
        self.format = format
    }
}
