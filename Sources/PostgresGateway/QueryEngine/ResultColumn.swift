/// A column of a result set: its name and type.
public struct ResultColumn: Sendable, Hashable {
    /// The column's name, as in RowDescription.
    public var name: String
    /// The column's type.
    public var type: PostgresType
    /// The type's modifier, as in RowDescription (`varchar(100)`: 104); -1 for none.
    public var typeModifier: Int32

    /// A column named `name` of `type`, with the type modifier `typeModifier`.
    public init(name: String, type: PostgresType, typeModifier: Int32 = -1) {
        self.name = name
        self.type = type
        self.typeModifier = typeModifier
    }
}
