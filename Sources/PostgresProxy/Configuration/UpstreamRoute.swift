import PostgresClient

/// One `--route PATTERN=TARGET`: clients whose TLS server name (SNI) matches `PATTERN` are relayed to `TARGET`.
///
/// `PATTERN` is a host name (`db.example.com`, matched exactly) or a wildcard whose leftmost label is `*`
/// (`*.db.example.com`: one label, as in a certificate, so `a.db.example.com` but neither `db.example.com` nor
/// `a.b.db.example.com`); letter case is ignored. `TARGET` is `HOST:PORT` or a libpq connection string, as
/// `--upstream`; `{1}` in it stands for the server name's leftmost label (`*.db.example.com={1}.internal:5432`
/// relays `orders.db.example.com` to `orders.internal:5432`). A label is put in only when it is a DNS label
/// (letters, digits, hyphens), so a client cannot smuggle connection-string keywords in through its server name:
/// a name whose leftmost label is not gets ``RouteMatch/unusableLabel(_:)`` from a target with `{1}`.
public struct UpstreamRoute: Sendable, Hashable, CustomStringConvertible {
    /// The pattern, in lower case.
    public let pattern: String
    /// The target as given, `{1}` not yet substituted.
    public let target: String
    /// The environment the target is resolved in (`PG*` variables), as for `--upstream`.
    private let environment: [String: String]

    /// Reads `PATTERN=TARGET`; the target is checked by parsing it with `{1}` standing for a label.
    public init(parsing text: String, environment: [String: String]) throws(ConnectionOptionError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ConnectionOptionError(
                "route \"\(text)\" is not PATTERN=HOST:PORT (for example *.db.example.com=db:5432)")
        }
        let pattern = text[..<equals].lowercased()
        let labels = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let validLabels = labels.enumerated().allSatisfy { index, label in
            (index == 0 && label == "*") || (!label.isEmpty && label.allSatisfy(Self.isLabelCharacter))
        }
        guard validLabels else {
            throw ConnectionOptionError(
                "route pattern \"\(pattern)\" is not a host name or *.NAME (labels of letters, digits and hyphens)")
        }
        self.pattern = pattern
        self.target = String(text[text.index(after: equals)...])
        self.environment = environment
        _ = try UpstreamServer(parsing: Self.substituting("label", in: target), environment: environment)
    }

    /// The upstream for `serverName` when it matches the pattern, with `{1}` replaced by its leftmost label;
    /// `nil` when it does not match, or when its leftmost label cannot go into `{1}` (see ``match(serverName:)``).
    public func upstream(forServerName serverName: String) -> UpstreamServer? {
        guard case .upstream(let upstream) = match(serverName: serverName) else { return nil }
        return upstream
    }

    /// What the route makes of `serverName`: `nil` when the name does not match the pattern; else the upstream,
    /// with `{1}` replaced by the name's leftmost label, or, for a target with `{1}`, that label when it is not a
    /// DNS label (letters, digits, hyphens). A fully qualified name's final dot (`db.example.com.`) is not a label.
    public func match(serverName: String) -> RouteMatch? {
        var name = serverName.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let patternLabels = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = labels.first, !first.isEmpty, labels.count == patternLabels.count,
            zip(labels, patternLabels).allSatisfy({ label, expected in expected == "*" || label == expected })
        else { return nil }
        guard !target.contains("{1}") || first.allSatisfy(Self.isLabelCharacter) else {
            return .unusableLabel(String(first))
        }
        return (try? UpstreamServer(parsing: Self.substituting(String(first), in: target), environment: environment))
            .map(RouteMatch.upstream)
    }

    private static func substituting(_ label: String, in target: String) -> String {
        target.replacing("{1}", with: label)
    }

    private static func isLabelCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-")
    }

    /// `PATTERN=TARGET`.
    public var description: String { "\(pattern)=\(target)" }
}
