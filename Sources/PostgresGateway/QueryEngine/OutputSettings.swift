/// The session settings that change the text of a value the evaluator computes, read from the session's settings
/// (PostgreSQL's defaults for those it lacks); a value's text is kept in the default form and changed for these
/// on output (``ConstantEvaluator/outputText(of:)``).
struct OutputSettings: Sendable, Hashable {
    /// `extra_float_digits` when it is 0 or below (floats printed with `%.{15 or 6 + n}g`); `nil` for 1 to 3, the
    /// shortest exact form.
    var floatDigits: Int?
    /// Whether `bytea_output` is `escape` rather than `hex`.
    var byteaEscape: Bool
    /// `TimeZone`, the zone timestamptz values are read and printed in (``TimeZoneRules/named(_:)``).
    var timeZone: String
    /// How `DateStyle` prints dates and timestamps, `nil` for a value that is not a style.
    var dateStyle: DateTimeText.DateStyle?
    /// Whether `lc_collate` sorts text by code point (C, POSIX, C.UTF-8), the only text ordering computed.
    var sortsByCodePoint: Bool

    /// The settings' effect on output. This runs for every SELECT without FROM (`select 1` too): a session's
    /// settings keep these names' spelling (``ServerSettings/assign(_:_:in:)``), so each is one lookup, and the
    /// usual values are recognised without making lowercased copies.
    init(_ settings: [String: String]) {
        func value(_ name: String) -> String {
            settings[name] ?? settings[ServerSettings.canonicalName(name, in: settings)]
                ?? ServerSettings.outputDefaults[name] ?? ""
        }
        /// Whether `value` is one of `choices` in any letter case (the usual spelling needs no lowercased copy).
        func isOneOf(_ value: String, _ choices: [String]) -> Bool {
            choices.contains(value) || choices.contains { $0.lowercased() == value.lowercased() }
        }
        let digitsText = value("extra_float_digits")
        let digits = digitsText == "1" ? 1 : Int(digitsText).map { min(max($0, -15), 3) } ?? 1
        floatDigits = digits > 0 ? nil : digits
        byteaEscape = isOneOf(value("bytea_output"), ["escape"])
        let zone = value("TimeZone")
        // The spellings of UTC print alike: one value, so that they compare equal to the defaults.
        timeZone = isOneOf(zone, ["UTC", "Etc/UTC", "GMT", "Etc/GMT"]) ? "UTC" : zone
        let dateStyle = value("DateStyle")
        self.dateStyle = dateStyle == "ISO, MDY" ? .iso : DateTimeText.DateStyle(dateStyle)
        sortsByCodePoint = isOneOf(value("lc_collate"), ["C.UTF-8", "C", "POSIX", "C.utf8"])
    }

    /// PostgreSQL's defaults, with which an answer computed once holds for every session that has them.
    static let standard = OutputSettings([:])

    /// Settings that print every affected value unlike the defaults (fewest float digits, escape bytea, another
    /// time zone, date style and collation): an answer the same with these as with ``standard`` depends on none.
    static let farthest = OutputSettings([
        "extra_float_digits": "-15", "bytea_output": "escape", "TimeZone": "Europe/Paris", "DateStyle": "SQL, DMY",
        "lc_collate": "en_US.UTF-8",
    ])
}
