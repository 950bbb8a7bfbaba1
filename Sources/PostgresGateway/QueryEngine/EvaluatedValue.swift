/// A value the query engine computed: PostgreSQL's text form (`nil` is NULL) and its type.
struct EvaluatedValue: Sendable, Hashable {
    /// The value as PostgreSQL prints it, `nil` for NULL.
    var text: String?
    /// The value's type.
    var type: PostgresType
    /// The type's modifier, as RowDescription gives it (`'a'::varchar(10)`: 14); -1 for none.
    var typeModifier: Int32 = -1
}
