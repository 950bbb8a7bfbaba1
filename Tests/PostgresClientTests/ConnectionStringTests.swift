import PostgresClient
import PostgresTestSupport
import Testing

/// Connection strings and URIs parsed by pgw and by the system's libpq (`PQconninfoParse`) must agree: the
/// same options with the same values, or the same error message.
struct ConnectionStringTests {
    static let cases: [String] = [
        "",
        "   ",
        "host=localhost port=5432 dbname=mydb",
        "host = localhost   port= 5433 user =alice",
        "user=alice password='se cret' dbname='my db'",
        #"password='it\'s' options='-c search_path=a\\b'"#,
        #"password=back\\slash\ space"#,
        "host=/var/run/postgresql user=postgres",
        "host=db1,db2,db3 port=5432,5433,5434 target_session_attrs=read-write",
        "host=db1,,db3 port=5432",
        "hostaddr=127.0.0.1 host=localhost sslmode=verify-full sslrootcert=/tmp/ca.crt",
        "sslmode=require sslcert=/c.crt sslkey=/c.key sslpassword=x sslsni=0",
        "channel_binding=require gssencmode=disable replication=database application_name=pgw",
        "connect_timeout=10 keepalives=1 client_encoding=UTF8",
        "requiressl=1",
        "requiressl=0 sslmode=verify-ca",
        "user=a user=b",
        "host='' port=''",
        "dbname=postgresql://ignored",
        "nonsense=1",
        "host",
        "host localhost",
        "=value",
        "password='unterminated",
        "host=a'b'",
        "user='a'b=c",
        "postgresql://",
        "postgres://",
        "postgresql://localhost",
        "postgresql://localhost:5433",
        "postgresql://localhost/mydb",
        "postgresql://user@localhost",
        "postgresql://user:secret@localhost:5433/mydb?connect_timeout=10&application_name=myapp",
        "postgresql://user:@localhost",
        "postgresql://:secret@localhost",
        "postgresql://us%40er:p%3Ass@localhost/d%20b",
        "postgresql://[::1]:5433/mydb",
        "postgresql://[2001:db8::1234]/database",
        "postgresql://[::1",
        "postgresql://[]/db",
        "postgresql://[::1]x/db",
        "postgresql://host1:123,host2:456/somedb?target_session_attrs=any&application_name=myapp",
        "postgresql://host1,host2,host3/db",
        "postgresql://host1:1,[::1]:2,host3/db",
        "postgresql://,/db",
        "postgresql:///mydb?host=localhost&port=5433",
        "postgresql:///dbname?host=/var/lib/postgresql",
        "postgresql://%2Fvar%2Flib%2Fpostgresql/dbname",
        "postgresql://localhost/mydb?sslmode=require&sslrootcert=%2Ftmp%2Fca.crt",
        "postgresql://localhost/mydb?ssl=true",
        "postgresql://localhost/mydb?ssl=false",
        "postgresql://localhost/mydb?requiressl=1",
        "postgresql://localhost?",
        "postgresql://localhost/?",
        "postgresql://localhost/db?&",
        "postgresql://localhost/db?a=1",
        "postgresql://localhost/db?port",
        "postgresql://localhost/db?port=1=2",
        "postgresql://localhost/db?&port=1",
        "postgresql://localhost/db?port=1&",
        "postgresql://localhost/db%zz",
        "postgresql://localhost/db%2",
        "postgresql://localhost/db%00",
        "postgresql://localhost/db?application_name=a%26b%3Dc",
        "postgresql://user@host@other/db",
        "postgresql://host/db/extra",
        "postgresql://host:port/db",
        "postgresql://host?dbname=x",
        "postgresql://a%2Cb/db",
    ]

    @Test(arguments: cases)
    func agreesWithLibpq(_ text: String) {
        let libpq = LibpqConninfo.parse(text).map { $0.filter { $0.key != "requiressl" } }
        let pgw = Result { () throws(ConnectionOptionError) in try ConnectionString.parse(text) }
            .mapError { LibpqError(message: $0.message) }
        #expect(pgw == libpq, "\(text)")
    }

    /// Every keyword the system's libpq knows is one pgw accepts.
    @Test func knowsEveryLibpqKeyword() {
        #expect(!LibpqConninfo.keywords.isEmpty)
        let unknown = LibpqConninfo.keywords.filter { ConnectionKeyword.named($0) == nil && $0 != "requiressl" }
        #expect(unknown.isEmpty, "\(unknown.sorted())")
    }

    /// Keywords newer than Debian's libpq 15, checked by value.
    @Test func parsesNewerKeywords() throws {
        let options = try ConnectionString.parse(
            "sslnegotiation=direct require_auth=!md5,!password min_protocol_version=3.2 max_protocol_version=latest")
        #expect(options["sslnegotiation"] == "direct")
        #expect(options["require_auth"] == "!md5,!password")
        #expect(options["min_protocol_version"] == "3.2")
        #expect(options["max_protocol_version"] == "latest")
    }

    /// Random strings built from the syntax's special characters and real keywords: thousands of them, each parsed
    /// the same way by pgw and libpq (same options or same error). The seed makes a failure reproducible.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomStringsAgreeWithLibpq(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        let keywords = ["host", "port", "user", "dbname", "password", "sslmode", "options", "application_name"]
        let pieces = [
            " ", "  ", "=", "'", "\\", "\\'", ",", ":", "/", "?", "&", "@", "[", "]", "%", "%2", "%41", "%00", "%zz",
            "a", "b1", "::1", "127.0.0.1", "ssl", "true", "requiressl", "postgresql://", "postgres://", "\t", "é",
        ]
        for _ in 0..<1000 {
            var text = Bool.random(using: &random) ? "postgresql://" : ""
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                text +=
                    Int.random(in: 0..<4, using: &random) == 0
                    ? keywords.randomElement(using: &random)! + "="
                    : pieces.randomElement(using: &random)!
            }
            let libpq = LibpqConninfo.parse(text).map { $0.filter { $0.key != "requiressl" } }
            let pgw = Result { () throws(ConnectionOptionError) in try ConnectionString.parse(text) }
                .mapError { LibpqError(message: $0.message) }
            #expect(pgw == libpq, "\(text.debugDescription)")
            if pgw != libpq { return }
        }
    }
}
