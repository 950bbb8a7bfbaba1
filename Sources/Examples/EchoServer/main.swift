import PostgresAuthentication
import PostgresGateway

// A PostgreSQL-compatible echo server in a few lines: md5 logins for alice, every statement echoed back.
//
//   swift run EchoServerExample 6432
//   PGPASSWORD=secret psql "host=127.0.0.1 port=6432 user=alice" -c "select 'hello'"
#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 6432
let hooks = PostgresServerConnectionHooks(
    validateCredentials: { credentials, _ in
        guard case .md5Password(let user, let hash, let salt) = credentials, user == "alice" else { return false }
        return MD5Password.verify(
            response: hash, storedHash: MD5Password.storedHash(user: user, password: "secret"), salt: salt)
    }
).servingQueries(with: ServerEmulationResponder(serverVersion: "18.0 (echo)"))

let server = try await PostgresServer.bind(
    port: port,
    configuration: PostgresServerConnectionConfiguration(
        serverVersion: "18.0 (echo)", authenticationMode: .md5Password),
    hooks: hooks
)
print("listening on 127.0.0.1:\(server.localAddress?.port ?? port)")
fflush(nil)  // scripts wait for the line above
try await Task.sleep(for: .seconds(365 * 24 * 3600))
