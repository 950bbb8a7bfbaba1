import NIOPosix

/// Parsed statements and fingerprints remembered by their text, one cache per thread (event loops serve many
/// connections each), so looking a statement up takes no lock and threads never wait for each other.
///
/// Only the thread that owns a cache uses it (``current``), hence `@unchecked Sendable`. When a cache holds
/// ``capacity`` entries it starts over, so its memory stays bounded.
final class ParserCache: @unchecked Sendable {
    /// At most this many statements (and as many fingerprints) are remembered per thread.
    static let capacity = 4_096
    private static let perThread = ThreadSpecificVariable<ParserCache>()

    /// Parsed statements by text.
    private var statements: [String: ParsedStatement] = [:]
    /// Fingerprints by text (`nil` for text that does not parse).
    private var fingerprints: [String: String?] = [:]

    /// The calling thread's cache.
    static var current: ParserCache {
        if let cache = perThread.currentValue { return cache }
        let cache = ParserCache()
        perThread.currentValue = cache
        return cache
    }

    /// The statement parsed from `text` before, if remembered.
    func statement(_ text: String) -> ParsedStatement? { statements[text] }

    /// Remembers `statement` as parsed from `text`.
    func remember(_ statement: ParsedStatement, for text: String) {
        if statements.count >= Self.capacity { statements.removeAll(keepingCapacity: true) }
        statements[text] = statement
    }

    /// The fingerprint of `text` computed before (`.some(nil)`: it does not parse), if remembered.
    func fingerprint(_ text: String) -> String?? { fingerprints[text] }

    /// Remembers `fingerprint` as `text`'s.
    func remember(fingerprint: String?, for text: String) {
        if fingerprints.count >= Self.capacity { fingerprints.removeAll(keepingCapacity: true) }
        fingerprints[text] = .some(fingerprint)
    }
}
