/// A line that is not a valid text-form message: what is wrong and where, shown with a caret under the bad token.
public struct TextFormError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line as typed.
    public var line: String
    /// The column (in characters, from 0) of the bad token.
    public var column: Int
    /// What is wrong, such as `expected an integer from 0 to 2147483647`.
    public var reason: String

    /// The error `reason` about the token at `column` of `line`.
    public init(line: String, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// The line, a caret under the bad token, and the reason:
    ///
    /// ```text
    /// Execute maxRows=ten
    ///                 ^ expected an integer from -2147483648 to 2147483647
    /// ```
    public var description: String {
        line + "\n" + String(repeating: " ", count: max(0, column)) + "^ " + reason
    }
}
