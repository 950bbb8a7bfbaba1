/// A column of a result set: its name and type.
public struct ResultColumn: Sendable, Hashable {
    /// The column's name, as in RowDescription.
    public var name: String
    /// The column's type.
    public var type: PostgresType

    /// A column named `name` of `type`.
    public init(name: String, type: PostgresType) {
        self.name = name
        self.type = type
    }
}
