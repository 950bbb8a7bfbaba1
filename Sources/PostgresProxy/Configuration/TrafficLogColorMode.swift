/// `pgw proxy --color`: when the text log carries ANSI colours.
public enum TrafficLogColorMode: String, Sendable, CaseIterable {
    /// When the log goes to a terminal, `TERM` is not `dumb` and `NO_COLOR` is unset or empty.
    case auto
    /// Always (the option given on the command line wins over `NO_COLOR`, as no-color.org asks).
    case always
    /// Never.
    case never

    /// Whether to colour a log whose destination is a terminal (`isTerminal`), in `environment`.
    public func colors(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto:
            isTerminal && environment["TERM"] != "dumb" && (environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}
