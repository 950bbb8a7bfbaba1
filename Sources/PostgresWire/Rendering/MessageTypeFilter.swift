/// Which message types are shown: `--only` and `--skip` lists of type names (`Query`, `DataRow`, …), compared
/// without regard to case; used by `pgw decode` and the proxy's traffic log.
public struct MessageTypeFilter: Sendable, Hashable {
    /// When not empty, only these types (lowercased) are shown.
    public let only: Set<String>
    /// These types (lowercased) are never shown.
    public let skip: Set<String>

    /// Every name a message can be shown with, sorted: each side's message types, and `Unknown` for what could not
    /// be decoded.
    public static let typeNames: [String] = Set(
        TextFormParser.typeNames(of: .frontend) + TextFormParser.typeNames(of: .backend) + ["Unknown"]
    ).sorted()

    /// ``typeNames``, lowercased.
    private static let knownTypeNames = Set(typeNames.map { $0.lowercased() })

    /// A filter from type names or comma-separated lists of them; an empty `only` admits every type.
    public init(only: [String] = [], skip: [String] = []) {
        self.only = Self.names(in: only)
        self.skip = Self.names(in: skip)
    }

    /// Whether a message of type `typeName` is shown.
    public func admits(_ typeName: String) -> Bool {
        // No lists (the usual case): no lowercased copy of the name per message.
        if only.isEmpty && skip.isEmpty { return true }
        let name = typeName.lowercased()
        return (only.isEmpty || only.contains(name)) && !skip.contains(name)
    }

    /// The names in `lists` (names or comma-separated names, as given to ``init(only:skip:)``) that no message has,
    /// spelled as given, in order: a misspelling would otherwise hide everything.
    public static func unknownNames(in lists: [String]) -> [String] {
        spelledNames(in: lists).filter { !knownTypeNames.contains($0.lowercased()) }
    }

    /// The lowercased names in `lists`, each a name or comma-separated names.
    private static func names(in lists: [String]) -> Set<String> {
        Set(spelledNames(in: lists).map { $0.lowercased() })
    }

    /// The names in `lists`, each a name or comma-separated names, without surrounding blanks, as spelled.
    private static func spelledNames(in lists: [String]) -> [String] {
        lists.flatMap { $0.split(separator: ",") }.map {
            String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }.filter { !$0.isEmpty }
    }
}
