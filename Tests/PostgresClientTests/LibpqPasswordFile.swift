import CLibPQ

/// The password the system's libpq takes from a password file, through `PQconnectStart` and `PQpass`.
enum LibpqPasswordFile {
    /// The password libpq looks up in `passfile` for the first server of `conninfo` (which should name a port
    /// nothing listens on); empty when the file gives none.
    static func password(_ conninfo: String, passfile: String) -> String {
        guard let connection = PQconnectStart("\(conninfo) passfile='\(passfile)' connect_timeout=1") else {
            return ""
        }
        defer { PQfinish(connection) }
        return PQpass(connection).map { String(cString: $0) } ?? ""
    }
}
