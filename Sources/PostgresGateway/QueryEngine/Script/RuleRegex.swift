import Foundation
import NIOCore

/// A script rule's `{regex: …}`: an ICU regular expression (as `NSRegularExpression` reads it), matched
/// case-insensitively somewhere in the statement within ``timeLimit``.
///
/// A pattern such as `^select (a+)+$` backtracks exponentially on `select aaaa…b`; matched on the event loop
/// without a limit, one client's statement would hold every connection of that loop (and shutdown) for as long as
/// the match runs. ICU reports its progress while it matches, so the match stops at the limit and the statement
/// fails instead.
enum RuleRegex {
    /// How long one match may take.
    static let timeLimit = TimeAmount.milliseconds(100)

    /// A match that took longer than ``timeLimit``.
    struct TimeLimitExceeded: Error, Hashable {
        /// The pattern as the script wrote it.
        var pattern: String
    }

    /// The pattern compiled, or why it is not a regular expression (ICU's reason).
    static func compile(_ pattern: String) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
    }

    /// Whether `pattern` matches somewhere in `statement`; a pattern that does not compile matches nothing.
    static func matches(_ pattern: String, in statement: String) throws(TimeLimitExceeded) -> Bool {
        guard let expression = try? compile(pattern) else { return false }
        let deadline = NIODeadline.now() + timeLimit
        var (found, timedOut) = (false, false)
        expression.enumerateMatches(
            in: statement, options: [.reportProgress], range: NSRange(statement.startIndex..., in: statement)
        ) { match, _, stop in
            if match != nil {
                found = true
                stop.pointee = true
            } else if NIODeadline.now() > deadline {
                timedOut = true
                stop.pointee = true
            }
        }
        if timedOut && !found { throw TimeLimitExceeded(pattern: pattern) }
        return found
    }
}
