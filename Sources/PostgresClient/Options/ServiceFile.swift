import Foundation

/// libpq's connection service file (`pg_service.conf`): `[name]` sections of `keyword=value` lines that the
/// `service` option (or `PGSERVICE`) pulls in, below the connection string and above the environment.
///
/// The user's file (`PGSERVICEFILE`, else `~/.pg_service.conf`) is searched first, then the system's
/// (`PGSYSCONFDIR/pg_service.conf`, else Debian's `/etc/postgresql-common/pg_service.conf`), with libpq's errors.
enum ServiceFile {
    /// The options of `service`, from the files `environment` and `home` point to.
    static func options(service: String, environment: [String: String], home: String) throws(ConnectionOptionError)
        -> [String: String]
    {
        let files = [
            environment["PGSERVICEFILE"] ?? "\(home)/.pg_service.conf",
            "\(environment["PGSYSCONFDIR"] ?? "/etc/postgresql-common")/pg_service.conf",
        ]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            if let options = try parse(String(decoding: data, as: UTF8.self), service: service, file: file) {
                return options
            }
        }
        throw ConnectionOptionError("definition of service \"\(service)\" not found")
    }

    /// The options of `service` in `text`, or `nil` when it has no such section.
    static func parse(_ text: String, service: String, file: String) throws(ConnectionOptionError)
        -> [String: String]?
    {
        var options: [String: String]?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                if options != nil { break }
                if line.hasSuffix("]") && line.dropFirst().dropLast() == service { options = [:] }
                continue
            }
            guard options != nil else { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let keyword = String(parts[0])
            guard parts.count == 2 else {
                throw ConnectionOptionError("syntax error in service file \"\(file)\", line \(index + 1)")
            }
            guard keyword != "service" else {
                throw ConnectionOptionError(
                    "nested service specifications not supported in service file \"\(file)\", line \(index + 1)")
            }
            guard ConnectionKeyword.named(keyword) != nil else {
                throw ConnectionOptionError(
                    "syntax error in service file \"\(file)\", line \(index + 1)")
            }
            if options?[keyword] == nil { options?[keyword] = String(parts[1]) }
        }
        return options
    }
}
