/// A node of libpg_query's JSON parse tree (the protobuf-free JSON output of `pg_query_parse`, read by
/// ``ParseTreeJSONReader``).
enum ParseTreeNode: Sendable {
    case object([String: ParseTreeNode])
    case array([ParseTreeNode])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// The member `key` of an object (`nil` for other nodes or a missing member).
    subscript(key: String) -> ParseTreeNode? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The elements of an array, empty for anything else (libpg_query omits empty lists).
    var elements: [ParseTreeNode] {
        if case .array(let elements) = self { return elements }
        return []
    }

    /// The text of a string node.
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of a number node as an integer.
    var integer: Int? {
        if case .number(let value) = self, let exact = Int(exactly: value) { return exact }
        return nil
    }

    /// The value of a boolean node.
    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// For a wrapped node (`{"SelectStmt": {...}}`): the node type and its fields.
    var tagged: (type: String, fields: ParseTreeNode)? {
        guard case .object(let members) = self, members.count == 1, let (type, fields) = members.first else {
            return nil
        }
        return (type, fields)
    }

    /// The texts of a list of `String` nodes (`[{"String": {"sval": "pg_catalog"}}, …]`), as in qualified names.
    var names: [String] {
        elements.compactMap { $0["String"]?["sval"]?.string }
    }
}
