import Foundation
import NIOCore

/// A script rule's `{regex: …}`: an ICU regular expression (as `NSRegularExpression` reads it), compiled once when
/// the script is read, and matched case-insensitively somewhere in the statement within ``timeLimit``.
///
/// A pattern such as `^select (a+)+$` backtracks exponentially on `select aaaa…b`; matched on the event loop
/// without a limit, one client's statement would hold every connection of that loop (and shutdown) for as long as
/// the match runs. ICU reports its progress while it matches, so the match stops at the limit and the statement
/// fails instead.
public struct RuleRegex: Sendable {
    /// How long one match may take.
    static let timeLimit = TimeAmount.milliseconds(100)

    /// A match that took longer than ``timeLimit``.
    struct TimeLimitExceeded: Error, Hashable {
        /// The pattern as the script wrote it.
        var pattern: String
    }

    /// The pattern as the script wrote it.
    public let pattern: String
    /// The compiled pattern; ICU's matcher keeps no state between matches, so connections share it.
    private let expression: NSRegularExpression

    /// Compiles `pattern`; throws ICU's reason when it is not a regular expression.
    public init(_ pattern: String) throws {
        self.pattern = pattern
        self.expression = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
    }

    /// Whether the pattern matches somewhere in `statement`.
    func matches(_ statement: String) throws(TimeLimitExceeded) -> Bool {
        let deadline = NIODeadline.now() + Self.timeLimit
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
