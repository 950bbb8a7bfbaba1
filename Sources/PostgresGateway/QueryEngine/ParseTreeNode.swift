/// A node of libpg_query's JSON parse tree (the protobuf-free JSON output of `pg_query_parse`).
enum ParseTreeNode: Sendable, Decodable {
    case object([String: ParseTreeNode])
    case array([ParseTreeNode])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ParseTreeNode].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ParseTreeNode].self))
        }
    }

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
