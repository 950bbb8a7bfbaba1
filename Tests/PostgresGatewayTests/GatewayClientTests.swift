import Foundation
import PostgresGateway
import PostgresWire
import Testing

/// Real clients (psql/libpq, psycopg, asyncpg, pg8000) against the gateway, for every authentication mode.
@Suite(.timeLimit(.minutes(3)))
struct GatewayClientTests {
    /// Connects with psycopg, asyncpg and pg8000 using `password`; prints one line per client: the echoed value or the SQLSTATE.
    static let pythonClients = """
        import asyncio, os, sys
        port, password = int(os.environ["PORT"]), sys.argv[1] if len(sys.argv) > 1 else os.environ["PASSWORD"]
        import psycopg, asyncpg, pg8000.native
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user="alice", password=password, dbname="app") as c:
                print("psycopg", c.execute("select %s", ("hi",)).fetchone()[0])
        except psycopg.OperationalError as e:
            # libpq reports failed logins without a SQLSTATE; its message carries the server's.
            print("psycopg", str(e).split("FATAL:")[-1].strip())
        async def run_asyncpg():
            try:
                c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", password=password, database="app")
                print("asyncpg", await c.fetchval("select $1::text", "hi"))
                await c.close()
            except asyncpg.PostgresError as e:
                print("asyncpg", e.sqlstate)
        asyncio.run(run_asyncpg())
        try:
            c = pg8000.native.Connection("alice", host="127.0.0.1", port=port, password=password, database="app")
            print("pg8000", c.run("select :v", v="hi")[0][0])
            c.close()
        except pg8000.native.DatabaseError as e:
            print("pg8000", e.args[0]["C"])
        """

    static func runPythonClients(_ server: GatewayTestServer, password: String) async throws -> [String] {
        let outcome = try await server.python(
            "import os\nos.environ['PASSWORD'] = \(String(reflecting: password))\n" + pythonClients)
        #expect(outcome.succeeded, "\(outcome)")
        return outcome.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test(arguments: [AuthenticationMode.cleartextPassword, .md5Password, .scramSHA256])
    func passwordModesAcceptTheRightPasswordAndRejectAWrongOne(mode: AuthenticationMode) async throws {
        let server = try await GatewayTestServer.start(mode)
        defer { Task { await server.stop() } }

        let right = try await server.psql("select 'it works'", conninfo: server.conninfo(), password: "secret")
        #expect(right.succeeded, "\(right)")
        #expect(right.standardOutput.contains("it works"))
        let wrong = try await server.psql("select 1", conninfo: server.conninfo(), password: "guess")
        #expect(!wrong.succeeded)
        #expect(wrong.standardError.contains("password authentication failed for user \"alice\""), "\(wrong)")

        let accepted = try await Self.runPythonClients(server, password: "secret")
        #expect(accepted == ["psycopg hi", "asyncpg hi", "pg8000 hi"])
        let rejected = try await Self.runPythonClients(server, password: "guess")
        #expect(
            rejected == ["psycopg password authentication failed for user \"alice\"", "asyncpg 28P01", "pg8000 28P01"])
        #expect(server.authenticated.withLockedValue { $0.count } == 4)
    }

    @Test func trustReportsParametersAndTransactionStatus() async throws {
        let server = try await GatewayTestServer.start(.none)
        defer { Task { await server.stop() } }
        let outcome = try await server.python(
            """
            import os, psycopg
            with psycopg.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user="alice", dbname="app", application_name="probe") as c:
                print(c.info.parameter_status("server_version"), c.info.parameter_status("application_name"))
                print(c.info.transaction_status.name)
                c.execute("select 1")
                print(c.info.transaction_status.name)
                c.rollback()
                print(c.execute("show application_name").fetchone()[0])
            """
        )
        #expect(outcome.standardOutput == "18.0 (pgw test) probe\nIDLE\nINTRANS\nprobe\n", "\(outcome)")
        let state = try #require(server.authenticated.withLockedValue { $0.first })
        #expect(state.clientInfo?.user == "alice")
        #expect(state.clientInfo?.database == "app")
        #expect(state.clientInfo?.applicationName == "probe")
        #expect(state.isAuthenticated && state.hasStarted && state.tlsInfo == nil)
    }

    @Test func tlsVerifyFullWithSNI() async throws {
        let server = try await GatewayTestServer.start(.scramSHA256, tls: true)
        defer { Task { await server.stop() } }
        let certificates = try TestCertificates.shared()
        let verified = server.conninfo(
            "host=\(TestCertificates.serverName) hostaddr=127.0.0.1 sslmode=verify-full sslsni=1 sslrootcert=\(certificates.path("ca.crt")) channel_binding=require"
        )
        let outcome = try await server.psql("select 'secure'", conninfo: verified, password: "secret")
        #expect(outcome.succeeded, "\(outcome)")
        let state = try #require(server.authenticated.withLockedValue { $0.first })
        #expect(state.tlsInfo?.serverName == TestCertificates.serverName)
        #expect(state.tlsInfo?.protocolVersion.hasPrefix("TLSv1.") == true)

        let plaintext = try await server.psql(
            "select 1", conninfo: server.conninfo("sslmode=disable"), password: "secret")
        #expect(!plaintext.succeeded)
        #expect(plaintext.standardError.contains("TLS encryption is required"), "\(plaintext)")

        let wrongName = server.conninfo(
            "host=wrong.pgw.test hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=\(certificates.path("ca.crt"))"
        )
        let mismatch = try await server.psql("select 1", conninfo: wrongName, password: "secret")
        #expect(!mismatch.succeeded)
        #expect(mismatch.standardError.contains("does not match host name"), "\(mismatch)")
    }

    /// psycopg (libpq), asyncpg and pg8000 over TLS, verifying the server against the test CA: with SCRAM
    /// (pg8000's scramp picks SCRAM-SHA-256-PLUS when offered) and with client certificates.
    @Test(arguments: [AuthenticationMode.scramSHA256, .certificate])
    func pythonClientsOverTLS(mode: AuthenticationMode) async throws {
        let server = try await GatewayTestServer.start(mode, tls: true, clientCertificates: mode == .certificate)
        defer { Task { await server.stop() } }
        let certificates = try TestCertificates.shared()
        let certificate = mode == .certificate ? "alice" : ""
        let outcome = try await server.python(
            """
            import asyncio, os, ssl
            import psycopg, asyncpg, pg8000.native
            port, directory, certificate = int(os.environ["PORT"]), \(String(reflecting: certificates.directory.path)), \(String(reflecting: certificate))
            def context():
                context = ssl.create_default_context(cafile=f"{directory}/ca.crt")
                context.check_hostname = False  # the name is checked by libpq below; these connect by address
                if certificate:
                    context.load_cert_chain(f"{directory}/{certificate}.crt", f"{directory}/{certificate}.key")
                return context
            files = f" sslcert={directory}/{certificate}.crt sslkey={directory}/{certificate}.key" if certificate else ""
            with psycopg.connect(f"host=\(TestCertificates.serverName) hostaddr=127.0.0.1 port={port} user=alice password=secret dbname=app sslmode=verify-full sslrootcert={directory}/ca.crt" + files) as c:
                print("psycopg", c.execute("select %s", ("tls",)).fetchone()[0], c.pgconn.ssl_in_use)
            async def run_asyncpg():
                c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", password="secret", database="app", ssl=context())
                print("asyncpg", await c.fetchval("select $1::text", "tls"))
                await c.close()
            asyncio.run(run_asyncpg())
            c = pg8000.native.Connection("alice", host="127.0.0.1", port=port, password="secret", database="app", ssl_context=context())
            print("pg8000", c.run("select :v", v="tls")[0][0])
            """
        )
        #expect(
            outcome.standardOutput == "psycopg tls True\nasyncpg tls\npg8000 tls\n",
            "\(outcome)"
        )
        let states = server.authenticated.withLockedValue { $0 }
        #expect(states.count == 3 && states.allSatisfy { $0.tlsInfo != nil })
    }

    @Test func clientCertificateAuthentication() async throws {
        let server = try await GatewayTestServer.start(.certificate, tls: true, clientCertificates: true)
        defer { Task { await server.stop() } }
        let certificates = try TestCertificates.shared()
        func conninfo(user: String, certificate: String?) -> String {
            var extra =
                "host=\(TestCertificates.serverName) hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=\(certificates.path("ca.crt"))"
            if let certificate {
                extra +=
                    " sslcert=\(certificates.path("\(certificate).crt")) sslkey=\(certificates.path("\(certificate).key"))"
            }
            return server.conninfo(extra, user: user)
        }
        let alice = try await server.psql(
            "select 'hello alice'", conninfo: conninfo(user: "alice", certificate: "alice"))
        #expect(alice.succeeded, "\(alice)")
        let state = try #require(server.authenticated.withLockedValue { $0.first })
        #expect(state.tlsInfo?.peerCertificate?.commonName == "alice")

        let impostor = try await server.psql("select 1", conninfo: conninfo(user: "alice", certificate: "mallory"))
        #expect(!impostor.succeeded)
        #expect(impostor.standardError.contains("certificate authentication failed for user \"alice\""), "\(impostor)")

        let anonymous = try await server.psql("select 1", conninfo: conninfo(user: "alice", certificate: nil))
        #expect(
            anonymous.standardError.contains("FATAL:  connection requires a valid client certificate"), "\(anonymous)")
        #expect(server.authenticated.withLockedValue { $0.count } == 1)
    }
}
