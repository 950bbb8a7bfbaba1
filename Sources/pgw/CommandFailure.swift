/// A failure that ends a command with an error message on standard error and exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    /// The value as text, as `String(describing:)` and string interpolation show it.
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
