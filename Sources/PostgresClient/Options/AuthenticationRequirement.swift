/// libpq's `require_auth`: the authentication methods the server may ask for.
public struct AuthenticationRequirement: Sendable, Hashable {
    /// The methods allowed.
    public let allowed: Set<AuthenticationMethod>
    /// The option's text, quoted in errors as libpq does.
    public let text: String

    /// Every method allowed: `require_auth` not given.
    public static let any = AuthenticationRequirement(allowed: Set(AuthenticationMethod.allCases), text: "")

    private init(allowed: Set<AuthenticationMethod>, text: String) {
        self.allowed = allowed
        self.text = text
    }

    /// Parses a comma-separated list of methods, all plain or all negated with `!`, with libpq's errors.
    public init(parsing text: String) throws(ConnectionOptionError) {
        var allowed: Set<AuthenticationMethod> = []
        var denied: Set<AuthenticationMethod> = []
        var negated: Bool?
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let isNegated = item.hasPrefix("!")
            let name = String(isNegated ? item.dropFirst() : item)
            if let negated, negated != isNegated {
                throw ConnectionOptionError(
                    isNegated
                        ? "negative require_auth method \"\(item)\" cannot be mixed with non-negative methods"
                        : "require_auth method \"\(item)\" cannot be mixed with negative methods")
            }
            negated = isNegated
            guard let method = AuthenticationMethod(rawValue: name) else {
                throw ConnectionOptionError("invalid require_auth method: \"\(name)\"")
            }
            guard !allowed.contains(method), !denied.contains(method) else {
                throw ConnectionOptionError("require_auth method \"\(name)\" is specified more than once")
            }
            if isNegated { denied.insert(method) } else { allowed.insert(method) }
        }
        self.init(
            allowed: negated == true ? Set(AuthenticationMethod.allCases).subtracting(denied) : allowed, text: text)
    }

    /// Whether every method is allowed.
    var allowsAll: Bool { allowed.count == AuthenticationMethod.allCases.count }
}
