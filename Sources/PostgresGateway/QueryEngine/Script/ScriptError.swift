/// A script that cannot be used: where (line and column, from 1) and why.
public struct ScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line, from 1 (0 when unknown).
    public var line: Int
    /// The column, from 1 (0 when unknown).
    public var column: Int
    /// What is wrong, and what would be right.
    public var message: String

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String { "\(line):\(column): \(message)" }
}
