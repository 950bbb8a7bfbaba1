/// A value the query engine computed: PostgreSQL's text form (`nil` is NULL) and its type.
struct EvaluatedValue: Sendable, Hashable {
    /// The value as PostgreSQL prints it, `nil` for NULL.
    var text: String?
    /// The value's type.
    var type: PostgresType
}
