/// Reported parameters that a login of one user, one database or one user in one database gets instead of the
/// server's, as PostgreSQL's `ALTER ROLE … SET`, `ALTER DATABASE … SET` and `ALTER ROLE … IN DATABASE … SET` give
/// them (a script's `server.logins`; `pgw proxy --record` writes one per login whose parameters differed).
public struct LoginParameters: Sendable {
    /// The user whose logins get them; `nil` for every user.
    public var user: String?
    /// The database whose logins get them; `nil` for every database.
    public var database: String?
    /// The parameters, replacing the server's of the same name (in any letter case) or added after them.
    public var parameters: [(name: String, value: String)]

    /// Parameters for logins of `user` (any when `nil`) to `database` (any when `nil`).
    public init(user: String?, database: String?, parameters: [(name: String, value: String)]) {
        self.user = user
        self.database = database
        self.parameters = parameters
    }

    /// `base` with the parameters of the `entries` that a login of `user` to `database` matches, in PostgreSQL's
    /// order of precedence: a database's, then a user's, then the user's in that database, each over the one before.
    public static func applying(
        _ entries: [LoginParameters], to base: [(name: String, value: String)], user: String, database: String
    ) -> [(name: String, value: String)] {
        guard !entries.isEmpty else { return base }
        var result = base
        let matching = entries.filter { ($0.user ?? user) == user && ($0.database ?? database) == database }
        // Database only, user only, both: the more specific wins.
        for entry in matching.sorted(by: { $0.specificity < $1.specificity }) {
            for (name, value) in entry.parameters {
                if let index = result.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) {
                    result[index].value = value
                } else {
                    result.append((name, value))
                }
            }
        }
        return result
    }

    /// 0 for neither user nor database, 1 for a database, 2 for a user, 3 for both.
    private var specificity: Int { (database == nil ? 0 : 1) + (user == nil ? 0 : 2) }
}
