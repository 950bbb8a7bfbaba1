import NIOCore
import PostgresAuthentication
import Yams

/// A YAML node of a script, with accessors that fail with a ``ScriptError`` at the node's line and column.
struct ScriptNode {
    /// The node.
    let node: Node

    init(_ node: Node) {
        self.node = node
    }

    /// The node's line.
    var line: Int { node.mark?.line ?? 0 }

    /// The node's column.
    var column: Int { node.mark?.column ?? 0 }

    /// An error at this node.
    func error(_ message: String) -> ScriptError {
        ScriptError(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message)
    }

    /// Whether the node is YAML's null (`~`, `null` or nothing).
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// A scalar's text read as a stored password (a malformed `SCRAM-SHA-256$…` verifier is an error).
    func storedPassword() throws(ScriptError) -> StoredPassword {
        let text = try text()
        do {
            return try StoredPassword(parsing: text)
        } catch {
            throw self.error("\(error); `pgw certs scram` makes one")
        }
    }

    /// A scalar's text.
    func text() throws(ScriptError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a text or number") }
        return scalar.string
    }

    /// A scalar that must be one of `choices`.
    func oneOf(_ choices: [String]) throws(ScriptError) -> String {
        let value = try text()
        guard choices.contains(value) else {
            throw error("'\(value)' is not one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// A non-negative integer.
    func count() throws(ScriptError) -> Int {
        guard let value = Int(try text()), value >= 0 else { throw error("expected a whole number ≥ 0") }
        return value
    }

    /// A boolean.
    func flag() throws(ScriptError) -> Bool {
        switch try text() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false")
        }
    }

    /// A duration: a number with a unit, `us`, `ms`, `s` (the default), `min` or `h` (`5s`, `250ms`, `1.5`), at
    /// most a day.
    func duration() throws(ScriptError) -> TimeAmount {
        let written = try text()
        let value = written.filter { $0 != " " }
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("us", 1e3), ("ms", 1e6), ("min", 60e9), ("s", 1e9), ("h", 3_600e9),
        ]
        let unit = units.first { value.hasSuffix($0.suffix) }
        let number = unit.map { String(value.dropLast($0.suffix.count)) } ?? value
        guard let amount = Double(number), amount >= 0, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            amount * (unit?.nanoseconds ?? 1e9) <= 86_400e9
        else {
            throw error("'\(written)' is not a duration such as 5s, 250ms or 2min (at most a day)")
        }
        return .nanoseconds(Int64(amount * (unit?.nanoseconds ?? 1e9)))
    }

    /// A sequence's elements.
    func elements() throws(ScriptError) -> [ScriptNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.map(ScriptNode.init)
    }

    /// A mapping's keys (texts) and values, in order.
    func pairs() throws(ScriptError) -> [(String, ScriptNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var result: [(String, ScriptNode)] = []
        for (key, value) in mapping {
            let name = try ScriptNode(key).text()
            if result.contains(where: { $0.0 == name }) { throw ScriptNode(key).error("duplicate key '\(name)'") }
            result.append((name, ScriptNode(value)))
        }
        return result
    }

    /// A mapping whose keys must be among `allowed`, by key.
    func mapping(allowed: Set<String>) throws(ScriptError) -> [String: ScriptNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var result: [String: ScriptNode] = [:]
        for (key, value) in mapping {
            let name = try ScriptNode(key).text()
            guard allowed.contains(name) else {
                // `{type: numeric(10,2)}`: in a flow mapping, the comma ended the value and `2)` became a key.
                let splitByComma =
                    name.hasSuffix(")") && !name.contains("(")
                    ? " (a comma ends a value inside {…}: quote a value that holds one, as in type: \"numeric(10,2)\")"
                    : ""
                throw ScriptNode(key).error(
                    "unknown key '\(name)'; expected one of \(allowed.sorted().joined(separator: ", "))\(splitByComma)")
            }
            guard result[name] == nil else { throw ScriptNode(key).error("duplicate key '\(name)'") }
            result[name] = ScriptNode(value)
        }
        return result
    }

    /// The value of `key` in a mapping; `nil` for a missing key or another node.
    func field(_ key: String) -> ScriptNode? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.first { (try? ScriptNode($0.key).text()) == key }.map { ScriptNode($0.value) }
    }

    /// A value of a result row: NULL, `t`/`f` for booleans, else the scalar's text.
    func value() throws(ScriptError) -> String? {
        if isNull { return nil }
        guard case .scalar(let scalar) = node else {
            throw error("expected a value (text, number, true/false or null)")
        }
        if scalar.style == .plain, ["true", "false"].contains(scalar.string) {
            return scalar.string == "true" ? "t" : "f"
        }
        return scalar.string
    }
}
