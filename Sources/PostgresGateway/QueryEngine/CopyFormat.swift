/// The data format of a `COPY … FROM STDIN`, read from its options as PostgreSQL reads them: `(FORMAT csv, QUOTE
/// '''', ESCAPE '\', HEADER)`, or the older `WITH CSV QUOTE AS …` and `WITH BINARY`, which the grammar turns into
/// the same options.
public enum CopyFormat: Sendable, Hashable {
    /// The text format: lines of tab-separated values, a backslash escapes the next byte (a line feed too).
    case text(header: Bool)
    /// CSV: a line break inside `quote`s does not end the row; `escape` (the quote by default) escapes a quote
    /// or itself inside quotes.
    case csv(header: Bool, quote: UInt8, escape: UInt8)
    /// The binary format: a signature and header, then tuples of length-prefixed fields, ended by -1.
    case binary

    /// The format named by a CopyStmt's `options` (DefElem nodes of libpg_query's parse tree).
    init(options: [ParseTreeNode]) {
        var name = "text"
        var header = false
        var quote: UInt8?
        var escape: UInt8?
        for option in options {
            guard let definition = option["DefElem"], let key = definition["defname"]?.string else { continue }
            let argument = definition["arg"]
            let text = argument?["String"]?["sval"]?.string
            switch key {
            case "format":
                name = text?.lowercased() ?? name
            case "header":
                // No argument means true; `HEADER MATCH` also skips the first line.
                if let text {
                    header = !["false", "off", "0"].contains(text.lowercased())
                } else if let integer = argument?["Integer"] {
                    header = (integer["ival"]?.integer ?? 0) != 0
                } else {
                    header = true
                }
            case "quote":
                quote = text?.utf8.first
            case "escape":
                escape = text?.utf8.first
            default:
                break
            }
        }
        switch name {
        case "csv":
            let quote = quote ?? UInt8(ascii: "\"")
            self = .csv(header: header, quote: quote, escape: escape ?? quote)
        case "binary":
            self = .binary
        default:
            self = .text(header: header)
        }
    }

    /// The overall format code of CopyInResponse: 1 for binary, 0 otherwise.
    var isBinary: Bool {
        if case .binary = self { true } else { false }
    }
}
