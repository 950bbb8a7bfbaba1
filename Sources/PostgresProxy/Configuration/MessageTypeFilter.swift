/// Which message types the traffic log shows: `--only` and `--skip` lists of type names (`Query`, `DataRow`, …),
/// compared without regard to case.
public struct MessageTypeFilter: Sendable, Hashable {
    /// When not empty, only these types are logged.
    public var only: Set<String>
    /// These types are never logged.
    public var skip: Set<String>

    /// A filter from type names; an empty `only` admits every type.
    public init(only: [String] = [], skip: [String] = []) {
        self.only = Set(only.map { $0.lowercased() })
        self.skip = Set(skip.map { $0.lowercased() })
    }

    /// Whether a message of type `typeName` is logged.
    public func admits(_ typeName: String) -> Bool {
        let name = typeName.lowercased()
        return (only.isEmpty || only.contains(name)) && !skip.contains(name)
    }
}
