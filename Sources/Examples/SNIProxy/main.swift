// A TLS-terminating reverse proxy: it picks the certificate and the upstream PostgreSQL server by the SNI
// name the client asked for, then detaches pgw and pipes the connection to that server.
//
//   swift run SNIProxyExample --listen 6432 --certificates DIR --route db1.example=127.0.0.1:5432 ...
//   psql "host=db1.example hostaddr=127.0.0.1 port=6432 sslmode=verify-full sslrootcert=DIR/ca.crt user=postgres"
//
// DIR holds NAME.crt and NAME.key for every routed NAME (pgw certs generate makes such a directory).
import NIOCore
import NIOPosix
import PostgresGateway
import PostgresTLS
import PostgresWire

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

var arguments = CommandLine.arguments.dropFirst()
var listenPort = 6432
var certificateDirectory = "."
var routes: [String: (host: String, port: Int)] = [:]
while let argument = arguments.popFirst() {
    switch argument {
    case "--listen": listenPort = Int(arguments.popFirst() ?? "") ?? listenPort
    case "--certificates": certificateDirectory = arguments.popFirst() ?? certificateDirectory
    case "--route":
        let parts = (arguments.popFirst() ?? "").split(separator: "=", maxSplits: 1).map(String.init)
        let target = parts.count == 2 ? parts[1].split(separator: ":").map(String.init) : []
        guard target.count == 2, let port = Int(target[1]) else { fatalError("--route takes NAME=HOST:PORT") }
        routes[parts[0]] = (target[0], port)
    default: fatalError("unknown argument \(argument)")
    }
}

// One TLS context per routed name, loaded once.
var contexts: [String: TLSServerContext] = [:]
for name in routes.keys {
    let identity = try TLSIdentity(
        certificateChainFile: "\(certificateDirectory)/\(name).crt",
        privateKeyFile: "\(certificateDirectory)/\(name).key"
    )
    contexts[name] = try TLSServerContext(configuration: TLSServerConfiguration(identity: identity))
}
let knownContexts = contexts
let knownRoutes = routes

let configuration = PostgresServerConnectionConfiguration(
    tls: .perServerName { name in
        guard let name, let context = knownContexts[name] else {
            throw TLSError.serverContextUnavailable(serverName: name, reason: "no route")
        }
        return context
    }
)
let hooks = PostgresServerConnectionHooks(onStartup: { connection in
    let state = connection.state
    guard let name = state.tlsInfo?.serverName, let route = knownRoutes[name], let client = state.clientInfo else {
        try await connection.sendError(severity: "FATAL", code: "08004", message: "no upstream for this server name")
        try await connection.close()
        return true
    }
    let upstream = try await ClientBootstrap(group: connection.eventLoop)
        .connect(host: route.host, port: route.port).get()
    // The upstream server authenticates the client: replay its StartupMessage, then pipe both ways.
    var startup = ByteBuffer()
    FrontendMessage.startup(
        StartupMessage(protocolVersion: client.requestedProtocolVersion, parameters: client.parameters)
    )
    .encode(into: &startup)
    try await connection.pipe(to: upstream, prefix: startup)
    return true
})

let server = try await PostgresServer.bind(port: listenPort, configuration: configuration, hooks: hooks)
print("listening on 127.0.0.1:\(server.localAddress?.port ?? listenPort)")
fflush(nil)  // scripts wait for the line above
try await Task.sleep(for: .seconds(365 * 24 * 3600))
