import CPgQuery

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PostgreSQL's own SQL parser (libpg_query, the PostgreSQL 15 grammar): parse trees, syntax errors and fingerprints.
///
/// libpg_query keeps its memory contexts and error state in thread-local variables (`readelf -s libpg_query.a`
/// shows `CurrentMemoryContext` and `PG_exception_stack` as TLS symbols), so event loops on several threads may
/// parse at once without a lock. Parsed statements are cached by their text (per thread, see ``ParserCache``), so
/// a statement a client sends again (a prepared statement, a benchmark's query) is parsed once per thread.
enum SQLParser {
    /// Statements longer than this many bytes are not cached, so the cache stays small.
    static let longestCachedStatement = 4_096
    /// Statements longer than this many bytes are not parsed (they are answered as unmatched statements): one
    /// huge statement cannot hold an event loop for long, and libpg_query's recursive output of a left-deep
    /// expression (`1+1+…+1`) stays far from the thread's stack limit (it overflows 8 MiB beyond about 100,000
    /// levels; 64 KiB allow at most 32,768). Deeper trees than the JSON decoder's limit fail with 54001.
    static let longestParsedStatement = 1 << 16

    /// PostgreSQL's limit on the entries of a target list (`MaxTupleAttributeNumber`), 54011 beyond it.
    static let mostTargetListEntries = 1664

    /// Parses one statement (the first, if `text` holds several).
    static func parse(_ text: String) throws(SQLSyntaxError) -> ParsedStatement {
        let length = text.utf8.count
        guard length <= longestParsedStatement else {
            // Its parameters counted in the text, so that a Bind of them is taken.
            var statement = ParsedStatement(unparsedLength: length)
            statement.highestParameter = QuerySession.highestParameterNumber(in: text)
            return statement
        }
        let cacheable = length <= longestCachedStatement
        guard cacheable else { return try analyzed(text) }
        let cache = ParserCache.current
        if let cached = cache.statement(text) { return cached }
        let statement = try analyzed(text)
        cache.remember(statement, for: text)
        return statement
    }

    /// The statement `text` holds, refused as PostgreSQL's analysis refuses it where the engine answers it (a
    /// target list of more than ``mostTargetListEntries`` entries: 54011).
    private static func analyzed(_ text: String) throws(SQLSyntaxError) -> ParsedStatement {
        let statements = try parseTree(text)["stmts"]?.elements ?? []
        var statement = ParsedStatement(tree: statements.first?["stmt"])
        statement.statementCount = statements.count
        if case .select(let targets, _, _, _) = statement.kind, targets.count > mostTargetListEntries {
            throw SQLSyntaxError(
                message: "target lists can have at most \(mostTargetListEntries) entries", position: 0,
                sqlState: "54011")
        }
        return statement
    }

    /// libpg_query's JSON parse tree of `text`.
    static func parseTree(_ text: String) throws(SQLSyntaxError) -> ParseTreeNode {
        let result = text.withCString { pg_query_parse($0) }
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            throw SQLSyntaxError(
                message: String(cString: error.pointee.message), position: Int(error.pointee.cursorpos))
        }
        guard let parseTree = result.parse_tree else { throw SQLSyntaxError(message: "no parse tree", position: 0) }
        let json = UnsafeBufferPointer(
            start: UnsafeRawPointer(parseTree).assumingMemoryBound(to: UInt8.self), count: strlen(parseTree))
        guard let tree = ParseTreeJSONReader.read(json) else {
            throw SQLSyntaxError(
                message: "stack depth limit exceeded", position: 0, sqlState: "54001",
                hint: "pgw serve handles expressions nested up to about 250 levels deep.")
        }
        return contains(#""ival":{}"#, in: json) ? tree.restoringNegativeIntegers(from: Array(text.utf8)) : tree
    }

    /// Whether `bytes` hold `pattern`.
    private static func contains(_ pattern: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        pattern.withUTF8Buffer { needle in
            guard let first = needle.first, needle.count <= bytes.count else { return false }
            for index in 0...(bytes.count - needle.count)
            where bytes[index] == first && memcmp(bytes.baseAddress! + index, needle.baseAddress!, needle.count) == 0 {
                return true
            }
            return false
        }
    }

    /// ``fingerprint(_:)``, remembered for statements up to ``longestCachedStatement`` bytes; `nil` for statements
    /// longer than ``longestParsedStatement`` (like parsing, fingerprinting recurses as deep as the statement nests).
    static func cachedFingerprint(_ text: String) -> String? {
        let length = text.utf8.count
        guard length <= longestCachedStatement else {
            return length <= longestParsedStatement ? fingerprint(text) : nil
        }
        let cache = ParserCache.current
        if let cached = cache.fingerprint(text) { return cached }
        let computed = fingerprint(text)
        cache.remember(fingerprint: computed, for: text)
        return computed
    }

    /// The statement's fingerprint (`pg_query_fingerprint`): equal for statements that differ only in literal values,
    /// white space, comments or letter case of keywords; `nil` when it does not parse.
    static func fingerprint(_ text: String) -> String? {
        let result = text.withCString { pg_query_fingerprint($0) }
        defer { pg_query_free_fingerprint_result(result) }
        guard result.error == nil, let fingerprint = result.fingerprint_str else { return nil }
        return String(cString: fingerprint)
    }
}
