/// An output file pgw cannot open or make private, with the reason in words (the system's, or why pgw refuses).
public struct OutputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message, such as `'x.log' is a symbolic link; pgw does not write through symbolic links`.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
