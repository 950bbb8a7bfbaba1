/// A connection option that libpq knows by name, with the environment variable that supplies its default.
///
/// The list follows libpq 18's `PQconninfoOptions`: every name libpq accepts in a conninfo string or URI is
/// accepted here, even those pgw does not act on (such as `keepalives` or `krbsrvname`), so that a string psql
/// takes is never rejected.
public struct ConnectionKeyword: Sendable, Hashable {
    /// The keyword, such as `sslmode`.
    public let name: String
    /// The environment variable libpq reads when the keyword is not given, such as `PGSSLMODE`.
    public let environmentVariable: String?

    /// Every keyword, in libpq's order.
    public static let all: [ConnectionKeyword] = [
        .init("service", "PGSERVICE"), .init("user", "PGUSER"), .init("password", "PGPASSWORD"),
        .init("passfile", "PGPASSFILE"), .init("channel_binding", "PGCHANNELBINDING"),
        .init("connect_timeout", "PGCONNECT_TIMEOUT"), .init("dbname", "PGDATABASE"), .init("host", "PGHOST"),
        .init("hostaddr", "PGHOSTADDR"), .init("port", "PGPORT"), .init("client_encoding", "PGCLIENTENCODING"),
        .init("options", "PGOPTIONS"), .init("application_name", "PGAPPNAME"),
        .init("fallback_application_name", nil), .init("keepalives", nil), .init("keepalives_idle", nil),
        .init("keepalives_interval", nil), .init("keepalives_count", nil), .init("tcp_user_timeout", nil),
        .init("sslmode", "PGSSLMODE"), .init("sslnegotiation", "PGSSLNEGOTIATION"),
        .init("sslcompression", "PGSSLCOMPRESSION"), .init("sslcert", "PGSSLCERT"), .init("sslkey", "PGSSLKEY"),
        .init("sslcertmode", "PGSSLCERTMODE"), .init("sslpassword", nil), .init("sslkeylogfile", nil),
        .init("sslrootcert", "PGSSLROOTCERT"), .init("sslcrl", "PGSSLCRL"), .init("sslcrldir", "PGSSLCRLDIR"),
        .init("sslsni", "PGSSLSNI"), .init("requirepeer", "PGREQUIREPEER"), .init("require_auth", "PGREQUIREAUTH"),
        .init("min_protocol_version", "PGMINPROTOCOLVERSION"),
        .init("max_protocol_version", "PGMAXPROTOCOLVERSION"),
        .init("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"),
        .init("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"), .init("gssencmode", "PGGSSENCMODE"),
        .init("krbsrvname", "PGKRBSRVNAME"), .init("gsslib", "PGGSSLIB"), .init("gssdelegation", "PGGSSDELEGATION"),
        .init("replication", nil), .init("target_session_attrs", "PGTARGETSESSIONATTRS"),
        .init("load_balance_hosts", "PGLOADBALANCEHOSTS"),
    ]

    /// The keyword named `name`, or `nil` when libpq has no such option.
    public static func named(_ name: String) -> ConnectionKeyword? {
        all.first { $0.name == name }
    }

    private init(_ name: String, _ environmentVariable: String?) {
        self.name = name
        self.environmentVariable = environmentVariable
    }
}
