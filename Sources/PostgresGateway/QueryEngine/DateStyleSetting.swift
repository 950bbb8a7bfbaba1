import PostgresWire

/// `DateStyle` as PostgreSQL's `check_datestyle` reads a new value: an output style and a field order, each from
/// its key words, the rest from the current value; shown as `German, DMY`.
enum DateStyleSetting {
    /// The value `text` sets when the setting is `current`, or PostgreSQL's 22023.
    static func normalized(_ text: String, current: String) throws(QuerySessionError) -> String {
        func invalid(_ detail: String) -> QuerySessionError {
            .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "22023",
                    message: "invalid value for parameter \"DateStyle\": \"\(text)\"",
                    detail: detail))
        }
        let currentWords = current.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.uppercased() }
        var style = ["ISO", "SQL", "POSTGRES", "GERMAN"].first { currentWords.contains($0) } ?? "ISO"
        var order = ["YMD", "DMY", "MDY"].first { currentWords.contains($0) } ?? "MDY"
        var hasStyle = false
        var hasOrder = false
        for word in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            let upper = word.uppercased()
            var newStyle: String?
            var newOrder: String?
            switch upper {
            case "ISO", "SQL", "POSTGRES", "GERMAN": newStyle = upper
            case "YMD": newOrder = "YMD"
            case "DMY": newOrder = "DMY"
            case _ where upper.hasPrefix("EURO"): newOrder = "DMY"
            case "MDY", "US": newOrder = "MDY"
            case _ where upper.hasPrefix("NONEURO"): newOrder = "MDY"
            case "DEFAULT":
                if !hasStyle { style = "ISO" }
                if !hasOrder { order = "MDY" }
                hasStyle = true
                hasOrder = true
                continue
            default:
                throw invalid("Unrecognized key word: \"\(word)\".")
            }
            if let newStyle {
                if hasStyle && newStyle != style { throw invalid("Conflicting \"datestyle\" specifications.") }
                style = newStyle
                hasStyle = true
                if newStyle == "GERMAN" && !hasOrder { order = "DMY" }
            }
            if let newOrder {
                if hasOrder && newOrder != order { throw invalid("Conflicting \"datestyle\" specifications.") }
                order = newOrder
                hasOrder = true
            }
        }
        let shownStyle = ["ISO": "ISO", "SQL": "SQL", "POSTGRES": "Postgres", "GERMAN": "German"][style] ?? style
        return "\(shownStyle), \(order)"
    }
}
