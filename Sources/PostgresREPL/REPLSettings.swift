import PostgresWire

/// The REPL's switches, set from the command line and with meta-commands.
public struct REPLSettings: Sendable, Hashable {
    /// How messages are printed (`\format`).
    public var format: RenderFormat
    /// Whether secrets are shown (`\reveal`).
    public var revealSecrets: Bool
    /// Whether each message line is sent at once (`\set autosend`); off, lines wait for `\send`.
    public var autosend: Bool
    /// How long `\wait` and `\expect` wait.
    public var timeout: Duration

    /// Settings with the defaults: text, secrets masked, autosend on, 10 s waits.
    public init(
        format: RenderFormat = .text, revealSecrets: Bool = false, autosend: Bool = true,
        timeout: Duration = .seconds(10)
    ) {
        self.format = format
        self.revealSecrets = revealSecrets
        self.autosend = autosend
        self.timeout = timeout
    }
}
