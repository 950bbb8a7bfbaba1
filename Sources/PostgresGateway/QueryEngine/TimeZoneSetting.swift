import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which `TimeZone` values PostgreSQL takes (`check_timezone`): a number of hours, a zone of the system's time zone
/// database (`/usr/share/zoneinfo`, any letter case), or a POSIX time zone specification (`UTC+3`, `EST5EDT`,
/// `-05:30`), as ``TimeZoneRules`` reads them. On a machine without the database, any name is taken.
enum TimeZoneSetting {
    /// Where the time zone database is.
    static let databaseDirectory = "/usr/share/zoneinfo"

    /// The value a SET of `text` keeps: a zone's name as the database spells it, any other value the query engine
    /// reads as a zone (``TimeZoneRules/named(_:)``: hours, POSIX specifications such as `UTC+3` or `-05:30`) as
    /// given; PostgreSQL's 22023 for a value it refuses.
    static func validated(_ text: String) throws(QuerySessionError) -> String {
        if let name = zoneName(text) { return name }
        if TimeZoneRules.named(text) != nil { return text }
        // Without a time zone database on this machine, names cannot be checked.
        if access(databaseDirectory, F_OK) != 0 { return text }
        throw .reported(
            DiagnosticMessage(
                severity: "ERROR", sqlState: "22023", message: "invalid value for parameter \"TimeZone\": \"\(text)\""))
    }

    /// The name of the database's zone `text` names in any letter case (`europe/paris` → `Europe/Paris`); `nil`
    /// when there is no such zone file.
    static func zoneName(_ text: String) -> String? {
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.isEmpty, components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            return nil
        }
        var path = databaseDirectory
        var names: [String] = []
        for component in components {
            guard let entry = entry(named: String(component), in: path) else { return nil }
            names.append(entry)
            path += "/" + entry
        }
        // A zone file, not a directory or one of the database's tables (zone.tab, leapseconds).
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var magic = [UInt8](repeating: 0, count: 4)
        guard fread(&magic, 1, 4, file) == 4, magic == Array("TZif".utf8) else { return nil }
        return names.joined(separator: "/")
    }

    /// The entry of `directory` named `name`, else one named so in another letter case.
    private static func entry(named name: String, in directory: String) -> String? {
        if access(directory + "/" + name, F_OK) == 0 { return name }
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        let lowercased = name.lowercased()
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if entryName.lowercased() == lowercased { return entryName }
        }
        return nil
    }
}
