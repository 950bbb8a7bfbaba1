import ArgumentParser

/// psql's `-W` and `-w`: whether a client subcommand asks for the password on the terminal.
enum PasswordPrompting: EnumerableFlag {
    /// `-W`/`--password`: ask before connecting.
    case always
    /// `-w`/`--no-password`: never ask.
    case never

    /// psql's names.
    static func name(for value: Self) -> NameSpecification {
        switch value {
        case .always: [.customShort("W"), .customLong("password")]
        case .never: [.customShort("w"), .customLong("no-password")]
        }
    }

    /// The help of each flag.
    static func help(for value: Self) -> ArgumentHelp? {
        switch value {
        case .always: "Ask for the password (on the terminal, without echo) before connecting."
        case .never: "Never ask for a password: fail when the server wants one that nothing gave."
        }
    }
}
