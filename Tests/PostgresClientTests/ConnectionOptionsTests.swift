import Foundation
import PostgresClient
import PostgresWire
import Testing

/// Environment variables, defaults, host lists, option values and the password file, as libpq resolves them.
struct ConnectionOptionsTests {
    @Test func defaultsAreLibpqs() throws {
        let options = try ConnectionOptions("", environment: ["HOME": "/nonexistent"], systemUser: "carol")
        #expect(options.user == "carol")
        #expect(options.database == "carol")
        #expect(
            options.targets == [
                ConnectionTarget(
                    host: "/var/run/postgresql", hostAddress: "", port: 5432, password: nil, passwordFile: nil)
            ])
        #expect(options.sslMode == .prefer)
        #expect(options.channelBinding == .prefer)
        #expect(options.sslRootCertificate == .file("/nonexistent/.postgresql/root.crt"))
        #expect(options.sslCertificate == "/nonexistent/.postgresql/postgresql.crt")
        #expect(options.maximumProtocolVersion == .v3_0)
        #expect(options.startupParameters == [.init("user", "carol"), .init("database", "carol")])
    }

    @Test func environmentVariablesApplyUnderTheString() throws {
        let environment = [
            "HOME": "/nonexistent", "PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "dave", "PGDATABASE": "app",
            "PGSSLMODE": "require", "PGAPPNAME": "tool", "PGOPTIONS": "-c work_mem=64MB", "PGPASSWORD": "pw",
            "PGCONNECT_TIMEOUT": "1", "PGTARGETSESSIONATTRS": "read-write", "PGCHANNELBINDING": "require",
        ]
        let options = try ConnectionOptions("user=erin sslmode=verify-ca", environment: environment)
        #expect(options.user == "erin")
        #expect(options.database == "app")
        #expect(options.sslMode == .verifyCA)
        #expect(options.channelBinding == .require)
        #expect(options.targetSessionAttributes == .readWrite)
        #expect(options.connectTimeout == .seconds(2), "libpq waits at least 2 seconds")
        #expect(
            options.targets == [
                ConnectionTarget(host: "db.example", hostAddress: "", port: 6543, password: "pw", passwordFile: nil)
            ])
        #expect(
            options.startupParameters == [
                .init("user", "erin"), .init("database", "app"), .init("options", "-c work_mem=64MB"),
                .init("application_name", "tool"),
            ])
    }

    @Test func hostListsLineUp() throws {
        let options = try ConnectionOptions(
            "postgresql://a:1,[::1]:2,c/db?hostaddr=10.0.0.1,10.0.0.2,10.0.0.3", environment: [:], systemUser: "u")
        #expect(options.targets.map(\.host) == ["a", "::1", "c"])
        #expect(options.targets.map(\.hostAddress) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(options.targets.map(\.port) == [1, 2, 5432])
        #expect(try ConnectionOptions("host=a,b port=7", environment: [:]).targets.map(\.port) == [7, 7])
    }

    @Test(arguments: [
        ("host=a,b port=1,2,3", "could not match 3 port numbers to 2 hosts"),
        ("host=a,b hostaddr=1.2.3.4", "could not match 2 host names to 1 hostaddr values"),
        ("port=x", "invalid integer value \"x\" for connection option \"port\""),
        ("port=70000", "invalid port number: \"70000\""),
        ("sslmode=verify", "invalid sslmode value: \"verify\""),
        ("channel_binding=maybe", "invalid channel_binding value: \"maybe\""),
        ("target_session_attrs=master", "invalid target_session_attrs value: \"master\""),
        (
            "sslnegotiation=direct sslmode=prefer",
            "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")"
        ),
        (
            "sslrootcert=system sslmode=require",
            "weak sslmode \"require\" may not be used with sslrootcert=system (use \"verify-full\")"
        ),
        ("min_protocol_version=3.1", "invalid min_protocol_version value: \"3.1\""),
        (
            "min_protocol_version=3.2 max_protocol_version=3.0",
            "min_protocol_version is greater than max_protocol_version"
        ),
        (
            "require_auth=md5,!password",
            "negative require_auth method \"!password\" cannot be mixed with non-negative methods"
        ),
        ("require_auth=kerberos", "invalid require_auth method: \"kerberos\""),
        ("require_auth=md5,md5", "require_auth method \"md5\" is specified more than once"),
        ("connect_timeout=soon", "invalid integer value \"soon\" for connection option \"connect_timeout\""),
        ("ssl_min_protocol_version=SSLv3", "invalid ssl_min_protocol_version value: \"SSLv3\""),
        ("load_balance_hosts=roundrobin", "invalid load_balance_hosts value: \"roundrobin\""),
        ("sslcertmode=require", "sslcertmode value \"require\" is not supported by pgw"),
        ("sslcrl=/etc/crl.pem", "sslcrl is not supported by pgw"),
        ("requirepeer=postgres", "requirepeer is not supported by pgw"),
    ])
    func rejectsWhatLibpqRejects(text: String, message: String) {
        #expect(throws: ConnectionOptionError(message)) {
            try ConnectionOptions(text, environment: [:], systemUser: "u")
        }
    }

    @Test func descriptionsMaskSecrets() throws {
        let options = try ConnectionOptions(
            "host=db user=alice password=hunter2 sslpassword=swordfish", environment: [:], systemUser: "u")
        #expect(!"\(options)".contains("hunter2") && !"\(options)".contains("swordfish"), "\(options)")
        #expect("\(options)".contains("password ****"))
        #expect("\(options.targets[0])" == "server at \"db\", port 5432, password ****")
    }

    @Test func minimumAbove30RaisesTheDefaultMaximum() throws {
        let options = try ConnectionOptions("min_protocol_version=3.2", environment: [:], systemUser: "u")
        #expect(options.maximumProtocolVersion == .v3_2)
        #expect(try ConnectionOptions("", environment: [:], systemUser: "u").maximumProtocolVersion == .v3_0)
    }

    @Test func sslrootcertSystemDefaultsToVerifyFull() throws {
        let options = try ConnectionOptions("sslrootcert=system", environment: [:], systemUser: "u")
        #expect(options.sslMode == .verifyFull)
        #expect(options.sslRootCertificate == .system)
    }

    @Test func requireAuthNegationAllowsTheRest() throws {
        let options = try ConnectionOptions("require_auth=!password,!md5", environment: [:], systemUser: "u")
        #expect(options.requiredAuthentication.allowed == [.gss, .sspi, .scramSHA256, .oauth, .none])
    }

    @Test func passwordFileMatchesWithWildcardsAndEscapes() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("pgpass")
        try directory.write(
            """
            # a comment never matches
            db1:5432:*:alice:first
            *:*:app:alice:second\\:with\\\\escapes
            localhost:5432:*:*:local
            h\\:x:*:*:*:escaped-host

            """, to: "pgpass", permissions: 0o600)
        func password(_ text: String) throws -> String? {
            try ConnectionOptions(text + " passfile=\(file)", environment: [:], systemUser: "u").targets[0].password
        }
        #expect(try password("host=db1 user=alice dbname=x") == "first")
        #expect(try password("host=db2 user=alice dbname=app") == #"second:with\escapes"#)
        #expect(try password("user=bob dbname=x") == "local", "the default socket directory is looked up as localhost")
        #expect(try password("host=h:x user=bob") == "escaped-host")
        #expect(try password("host=db2 user=alice dbname=other") == nil)
        #expect(try password("host=db1 user=alice password=given") == "given")
        let target = try ConnectionOptions("host=db1 user=alice passfile=\(file)", environment: [:]).targets[0]
        #expect(target.passwordFile == file)
    }

    /// A file saved with CRLF line endings gives the same passwords: libpq strips the carriage return with the line
    /// feed.
    @Test func passwordFileWithCRLFLineEndings() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("pgpass")
        try directory.write("db1:5432:*:alice:first\r\n*:*:*:bob:second\r\n", to: "pgpass", permissions: 0o600)
        func password(_ text: String) throws -> String? {
            try ConnectionOptions(text + " passfile=\(file)", environment: [:], systemUser: "u").targets[0].password
        }
        #expect(try password("host=db1 user=alice") == "first")
        #expect(try password("host=db2 user=bob") == "second")
    }

    @Test func passwordFileReadableByOthersIsIgnoredWithLibpqsWarning() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("pgpass")
        try directory.write("*:*:*:*:secret\n", to: "pgpass", permissions: 0o644)
        let options = try ConnectionOptions("host=db passfile=\(file)", environment: [:], systemUser: "u")
        #expect(options.targets[0].password == nil)
        #expect(
            options.warnings == [
                "WARNING: password file \"\(file)\" has group or world access; permissions should be u=rw (0600) or less"
            ])
    }

    @Test func serviceFileSitsBetweenTheStringAndTheEnvironment() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            """
            # services
            [other]
            host=elsewhere

            [mydb]
            host=db.example
            port=6000
            user=svc
            sslmode=require
            """, to: "services.conf", permissions: 0o644)
        let environment = [
            "PGSERVICEFILE": directory.path("services.conf"), "PGSYSCONFDIR": directory.path("none"),
            "PGPORT": "7000", "PGDATABASE": "fromenv",
        ]
        let options = try ConnectionOptions("service=mydb user=explicit", environment: environment)
        #expect(options.targets.map(\.host) == ["db.example"])
        #expect(options.targets.map(\.port) == [6000], "the service overrides PGPORT")
        #expect(options.user == "explicit", "the string overrides the service")
        #expect(options.database == "fromenv")
        #expect(options.sslMode == .require)
        #expect(
            try ConnectionOptions("", environment: environment.merging(["PGSERVICE": "other"]) { a, _ in a })
                .targets.map(\.host) == ["elsewhere"])
        #expect(throws: ConnectionOptionError("definition of service \"missing\" not found")) {
            try ConnectionOptions("service=missing", environment: environment)
        }
    }

    @Test func serviceFileErrorsAreLibpqs() throws {
        let directory = try TemporaryDirectory()
        try directory.write("[a]\nservice=b\n[b]\nnonsense=1\n[c]\nhost\n", to: "services.conf", permissions: 0o644)
        let environment = ["PGSERVICEFILE": directory.path("services.conf"), "PGSYSCONFDIR": directory.path("none")]
        let file = directory.path("services.conf")
        #expect(
            throws: ConnectionOptionError(
                "nested service specifications not supported in service file \"\(file)\", line 2")
        ) {
            try ConnectionOptions("service=a", environment: environment)
        }
        #expect(throws: ConnectionOptionError("syntax error in service file \"\(file)\", line 4")) {
            try ConnectionOptions("service=b", environment: environment)
        }
        #expect(throws: ConnectionOptionError("syntax error in service file \"\(file)\", line 6")) {
            try ConnectionOptions("service=c", environment: environment)
        }
    }
}
