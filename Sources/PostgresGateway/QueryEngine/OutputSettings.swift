/// The session settings that change the text of a value the evaluator computes, read from the session's settings
/// (PostgreSQL's defaults for those it lacks); a value's text is kept in the default form and changed for these
/// on output (``ConstantEvaluator/outputText(of:)``).
struct OutputSettings: Sendable, Hashable {
    /// `extra_float_digits` when it is 0 or below (floats printed with `%.{15 or 6 + n}g`); `nil` for 1 to 3, the
    /// shortest exact form.
    var floatDigits: Int?
    /// Whether `bytea_output` is `escape` rather than `hex`.
    var byteaEscape: Bool
    /// Whether `TimeZone` names UTC, the only zone timestamptz values are computed in.
    var timeZoneIsUTC: Bool
    /// Whether `DateStyle` prints ISO (`2024-01-05`), the only style dates are printed in.
    var dateStyleIsISO: Bool
    /// Whether `lc_collate` sorts text by code point (C, POSIX, C.UTF-8), the only text ordering computed.
    var sortsByCodePoint: Bool

    /// The settings' effect on output.
    init(_ settings: [String: String]) {
        func value(_ name: String) -> String {
            settings[ServerSettings.canonicalName(name, in: settings)] ?? ServerSettings.outputDefaults[name] ?? ""
        }
        let digits = Int(value("extra_float_digits")).map { min(max($0, -15), 3) } ?? 1
        floatDigits = digits > 0 ? nil : digits
        byteaEscape = value("bytea_output").lowercased() == "escape"
        timeZoneIsUTC = ["utc", "etc/utc", "gmt", "etc/gmt"].contains(value("TimeZone").lowercased())
        dateStyleIsISO = value("DateStyle").lowercased().hasPrefix("iso")
        sortsByCodePoint = ["c", "posix", "c.utf-8", "c.utf8"].contains(value("lc_collate").lowercased())
    }

    /// PostgreSQL's defaults, with which an answer computed once holds for every session that has them.
    static let standard = OutputSettings([:])
}
