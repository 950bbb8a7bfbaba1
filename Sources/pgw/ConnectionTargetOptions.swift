import ArgumentParser
import PostgresClient

/// psql's `-h`, `-p`, `-U` and `-d`, for the subcommands that connect to a server: they fill in what the connection
/// string leaves out (as psql's do: keywords in the conninfo win), and the `PG*` variables, `~/.pgpass` and libpq's
/// defaults fill in the rest.
struct ConnectionTargetOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The server's host name, address or Unix-socket directory (PGHOST).", valueName: "host"))
    var host: String?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The server's port, or ports separated by commas, one per host (PGPORT).", valueName: "port")
    )
    var port: String?

    @Option(
        name: [.customShort("U"), .customLong("username")],
        help: ArgumentHelp("The user name (PGUSER).", valueName: "name"))
    var username: String?

    @Option(
        name: [.customShort("d"), .long],
        help: ArgumentHelp("The database name, or a whole connection string (PGDATABASE).", valueName: "dbname"))
    var dbname: String?

    func validate() throws {
        if let port,
            !port.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({
                $0.isEmpty || Int($0).map((1...65_535).contains) == true
            })
        {
            throw ValidationError("--port takes numbers from 1 to 65535 (separated by commas), got \(port).")
        }
    }

    /// The keyword/value parameters of `connectionString` (conninfo or URI; `-d`'s value when that is one and no
    /// connection string is given), with `-h`, `-p`, `-U` and `-d` added where it has no value of its own.
    func parameters(connectionString: String) throws(ConnectionOptionError) -> [String: String] {
        var text = connectionString
        var database = dbname
        if text.isEmpty, let dbname, dbname.contains("=") || dbname.contains("://") {
            text = dbname
            database = nil
        }
        var parameters = try ConnectionString.parse(text)
        let given: [(String, String?)] = [
            ("host", host), ("port", port), ("user", username), ("dbname", database),
        ]
        for case (let keyword, let value?) in given where parameters[keyword] == nil {
            parameters[keyword] = value
        }
        return parameters
    }
}
