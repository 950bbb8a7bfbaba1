/// How one REPL line ended.
public enum REPLOutcome: Sendable, Hashable {
    /// Done; go on with the next line.
    case done
    /// `\quit`, or the connection is gone.
    case quit
    /// The line failed: a typing error (with a caret), a failed `\expect` or `\wait`, a send error.
    case failed(String)
}
