/// A server version as PostgreSQL reports it in `server_version` (`16.4`, `9.6.24`, `17beta1`, `18.0 (pgw)`) and
/// its `server_version_num`.
public enum ServerVersion {
    /// The form a version must have, for messages.
    public static let expectedForm =
        "MAJOR.MINOR from 10 on (16.4), MAJOR.MINOR.PATCH before (9.6.24), optionally followed by text (16.4 (pgw))"

    /// The numbers a version starts with (`9.6.24` → 9, 6, 24); `nil` when it does not start with one, or a dot
    /// or digit follows them.
    private static func numbers(of version: String) -> [Int]? {
        let prefix = version.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let parts = prefix.split(separator: ".", omittingEmptySubsequences: false)
        guard !prefix.isEmpty, parts.count <= 3, !prefix.hasSuffix("."), !prefix.hasPrefix(".") else { return nil }
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count, let major = numbers.first, major > 0,
            major >= 10 ? numbers.count <= 2 : numbers.count >= 2
        else {
            return nil
        }
        return numbers
    }

    /// Whether `version` has the form PostgreSQL's versions have (``expectedForm``).
    public static func isValid(_ version: String) -> Bool {
        numbers(of: version) != nil
    }

    /// `server_version_num` for `version`: from 10 on MAJOR·10000 + MINOR (`16.4` → 160004), before MAJOR·10000 +
    /// MINOR·100 + PATCH (`9.6.24` → 90624); `0` for a version of another form.
    public static func number(of version: String) -> Int {
        guard let numbers = numbers(of: version) else { return 0 }
        let major = numbers[0]
        let minor = numbers.count > 1 ? numbers[1] : 0
        let patch = numbers.count > 2 ? numbers[2] : 0
        return major >= 10 ? major * 10_000 + minor : major * 10_000 + minor * 100 + patch
    }
}
