/// A connection string, URI, environment variable or option value that libpq would reject, with libpq's wording.
public struct ConnectionOptionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libpq's message, such as `invalid sslmode value: "verify"`.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The value as text, as `String(describing:)` and string interpolation show it.
    public var description: String { message }
}
