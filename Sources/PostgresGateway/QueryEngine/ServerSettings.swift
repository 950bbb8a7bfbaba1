import PostgresWire

/// The run-time settings a mock session starts with besides those the server reports, with PostgreSQL's defaults,
/// so that SHOW and `current_setting` answer what clients commonly ask.
enum ServerSettings {
    /// Settings whose changes PostgreSQL reports with ParameterStatus (its `GUC_REPORT` parameters).
    static let reported: Set<String> = [
        "application_name", "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby",
        "integer_datetimes", "IntervalStyle", "is_superuser", "scram_iterations", "server_encoding",
        "server_version", "session_authorization", "standard_conforming_strings", "TimeZone",
    ]

    /// Where the session's database (the startup's `database`, or else the user name) is kept among the settings,
    /// for `current_database()`. PostgreSQL has no such setting, so SHOW does not know it.
    static let databaseKey = "pgw.database"
    /// Where the session's process ID (its BackendKeyData's) is kept among the settings, for `pg_backend_pid()` and
    /// the notifications of rules; SHOW does not know it either.
    static let processIDKey = "pgw.backend_pid"
    /// The keys of ``databaseKey`` and ``processIDKey``, which are no settings.
    static let hiddenKeys: Set = [databaseKey, processIDKey]

    /// PostgreSQL's defaults for common settings that are not reported at startup.
    static let defaults: [String: String] = [
        "transaction_isolation": "read committed", "default_transaction_isolation": "read committed",
        "transaction_read_only": "off", "transaction_deferrable": "off", "default_transaction_deferrable": "off",
        "search_path": "\"$user\", public",
        "max_identifier_length": "63", "statement_timeout": "0", "lock_timeout": "0",
        "idle_in_transaction_session_timeout": "0", "extra_float_digits": "1", "bytea_output": "hex",
        "max_connections": "100", "lc_collate": "C.UTF-8", "lc_ctype": "C.UTF-8", "lc_messages": "C.UTF-8",
        "lc_monetary": "C.UTF-8", "lc_numeric": "C.UTF-8", "lc_time": "C.UTF-8", "block_size": "8192",
        "role": "none",
        "client_min_messages": "notice", "row_security": "on", "synchronous_commit": "on", "work_mem": "4MB",
        "jit": "off", "password_encryption": "scram-sha-256",
    ]

    /// The defaults of the settings that change the text of values (``OutputSettings``): those of ``defaults`` and
    /// the reported `TimeZone` and `DateStyle` of a server in UTC.
    static let outputDefaults = defaults.merging(["TimeZone": "UTC", "DateStyle": "ISO, MDY"]) { $1 }

    /// The initial settings of a session: the defaults, then `reported` (the server's ParameterStatus values),
    /// then the client's startup parameters; names keep the case of the last source that set them.
    static func initial(reported: [(name: String, value: String)], startup: [String: String]) -> [String: String] {
        var settings: [String: String] = [:]
        for (name, value) in defaults { assign(name, value, in: &settings) }
        for (name, value) in reported { assign(name, value, in: &settings) }
        // As PostgreSQL: the `-c name=value` switches of `options` first, the other startup parameters after them.
        let options = StartupOptions.settings(in: startup["options"] ?? "")
        let parameters = startup.filter { !["user", "database", "options", "replication"].contains($0.key) }
        for (name, value) in options + parameters.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
            // A value PostgreSQL would refuse (with a FATAL) is kept as it is.
            assign(name, (try? validated(name, value, in: settings)) ?? value, in: &settings)
        }
        if let version = settings["server_version"], settings["server_version_num"] == nil {
            settings["server_version_num"] = versionNumber(version)
        }
        settings["session_authorization"] = settings["session_authorization"] ?? startup["user"]
        settings[databaseKey] = startup["database"] ?? startup["user"]
        return settings
    }

    /// Sets `name` to `value`, replacing a setting of the same name in another letter case (PostgreSQL's setting
    /// names are case-insensitive); the existing spelling wins, so `timezone` updates `TimeZone`.
    static func assign(_ name: String, _ value: String, in settings: inout [String: String]) {
        settings[canonicalName(name, in: settings)] = value
    }

    /// The spelling of `name` in `settings` (case-insensitive), else that of the reported setting of the name, or
    /// `name` itself.
    static func canonicalName(_ name: String, in settings: [String: String]) -> String {
        if settings[name] != nil { return name }
        let lowercased = name.lowercased()
        // A reported setting the session does not have yet is spelt as PostgreSQL reports it (`DateStyle`).
        return settings.keys.first { $0.lowercased() == lowercased }
            ?? reported.first { $0.lowercased() == lowercased } ?? name
    }

    /// The value a SET of `name` to `value` keeps (`statement_timeout` in its unit, `DateStyle` as style and order, a
    /// time zone's name in its spelling, `extra_float_digits`, `bytea_output` and `IntervalStyle` as PostgreSQL shows
    /// them: ``OutputSettingValue``), or PostgreSQL's error: 42704 for a name that is neither PostgreSQL's nor
    /// one of `settings` nor custom (with a dot), 55P02 for a setting a session cannot change, 22023 for a value
    /// the setting does not take.
    static func validated(_ name: String, _ value: String, in settings: [String: String]) throws(QuerySessionError)
        -> String
    {
        let lowercased = try checkedName(name, in: settings)
        if let reason = PostgresSettingNames.unchangeable[lowercased] {
            throw .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "55P02", message: "parameter \"\(lowercased)\" \(reason)"))
        }
        if MillisecondsSetting.names.contains(lowercased) {
            return MillisecondsSetting.text(try MillisecondsSetting.milliseconds(value, name: lowercased))
        }
        if let value = try OutputSettingValue.validated(name, lowercased: lowercased, value) { return value }
        switch lowercased {
        case "datestyle":
            return try DateStyleSetting.normalized(
                value, current: settings[canonicalName("DateStyle", in: settings)] ?? "ISO, MDY")
        case "timezone":
            return try TimeZoneSetting.validated(value)
        case "transaction_isolation", "default_transaction_isolation":
            let level = value.lowercased()
            guard isolationLevels.contains(level) else {
                throw .reported(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "22023",
                        message: "invalid value for parameter \"\(lowercased)\": \"\(value)\"",
                        hint: "Available values: \(isolationLevels.joined(separator: ", ")).")
                )
            }
            return level
        case "transaction_read_only", "default_transaction_read_only", "transaction_deferrable",
            "default_transaction_deferrable":
            guard let flag = boolean(value) else {
                throw .reported(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "22023",
                        message: "parameter \"\(lowercased)\" requires a Boolean value"))
            }
            return flag ? "on" : "off"
        case "client_encoding":
            guard let name = ClientEncoding.canonicalName(of: value) else {
                throw .reported(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "22023",
                        message: "invalid value for parameter \"client_encoding\": \"\(value)\""))
            }
            return name
        default:
            return value
        }
    }

    /// The isolation levels, as PostgreSQL lists them in its hint.
    static let isolationLevels = ["serializable", "repeatable read", "read committed", "read uncommitted"]

    /// The settings a transaction has its own value of (its characteristics), which `default_` + the name gives
    /// every transaction at its start; SET changes them for the transaction only, and RESET ALL leaves them.
    static let transactionCharacteristics = [
        "transaction_isolation", "transaction_read_only", "transaction_deferrable",
    ]

    /// A Boolean setting's value as PostgreSQL's `parse_bool` reads it (`on`, `off`, `true`, `1`, `yes`, and
    /// unambiguous prefixes of them, in any case); `nil` when it is none.
    static func boolean(_ text: String) -> Bool? {
        let value = text.trimmingWhitespace().lowercased()
        guard !value.isEmpty else { return nil }
        if value == "1" || value == "on" || "true".hasPrefix(value) || "yes".hasPrefix(value) { return true }
        if value == "0" || (value.count > 1 && "off".hasPrefix(value)) || "false".hasPrefix(value)
            || "no".hasPrefix(value)
        {
            return false
        }
        return nil
    }

    /// `name` in lower case, or PostgreSQL's 42704 when it names no setting: not one of PostgreSQL's, not in
    /// `settings` and not custom (with a dot).
    static func checkedName(_ name: String, in settings: [String: String]) throws(QuerySessionError) -> String {
        let lowercased = name.lowercased()
        guard
            lowercased.contains(".") || PostgresSettingNames.all.contains(lowercased)
                || settings[canonicalName(name, in: settings)] != nil
        else {
            throw .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "42704", message: "unrecognized configuration parameter \"\(name)\""))
        }
        return lowercased
    }

    /// The session's `statement_timeout`; `nil` when it is 0 (none) or not a valid value.
    static func statementTimeout(in settings: [String: String]) -> Int? {
        guard let text = settings[canonicalName("statement_timeout", in: settings)],
            let milliseconds = try? MillisecondsSetting.milliseconds(text, name: "statement_timeout"), milliseconds > 0
        else {
            return nil
        }
        return milliseconds
    }

    /// `server_version_num` for a version string: `16.4` → `160004`, `9.6.24` → `90624`, `18.0 (pgw)` → `180000`.
    static func versionNumber(_ version: String) -> String {
        String(ServerVersion.number(of: version))
    }
}
