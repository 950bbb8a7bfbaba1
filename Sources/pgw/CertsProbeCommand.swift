import ArgumentParser
import Foundation
import PostgresTLS

/// `pgw certs probe`: what a PostgreSQL server answers to SSLRequest, and the TLS it then offers.
struct CertsProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show a server's answer to SSLRequest, its TLS version, cipher, ALPN and certificate chain.",
        discussion: """
            Connects to HOST:PORT (or -h/-p, or PGHOST and PGPORT, as psql does), sends SSLRequest (or, with --direct, starts TLS at once with ALPN \
            'postgresql', as sslnegotiation=direct does), prints the server's answer, then the TLS version, \
            cipher, ALPN protocol and every certificate the server sent (subject, issuer, alternative names, \
            validity). With --ca it also checks the chain as sslmode=verify-full would, for the --sni name or \
            else HOST, printing a verdict line per check. No startup message is sent.

            The server is one TCP host: a Unix socket directory (PostgreSQL does not use TLS there) or a \
            comma-separated list of hosts is refused. A bare HOST takes its port from -p or PGPORT.

            Exits with status 1 when the server declines TLS, or when a --ca check fails.

            Environment:
              PGHOST  The server when neither HOST:PORT nor -h gives one (default localhost).
              PGPORT  The port when neither HOST:PORT nor -p gives one (default 5432).
              PGSSLROOTCERT  The CA certificates when --ca is not given.

            Examples:
              pgw certs probe db.example.test:5432 --ca ca.crt
              pgw certs probe 127.0.0.1:5432 --sni db.example.test --direct
              PGHOST=db.example.test pgw certs probe -p 6432
            """
    )

    @Argument(help: ArgumentHelp("The server: HOST:PORT, [IPv6]:PORT, or HOST.", valueName: "host:port"))
    var address: String?

    @Option(name: [.customShort("h"), .long], help: "The server's host name or address (PGHOST).")
    var host: String?

    @Option(name: [.customShort("p"), .long], help: "The server's port (PGPORT; default 5432).")
    var port: String?

    @Option(help: ArgumentHelp("The server name to send (SNI) and verify; defaults to HOST.", valueName: "name"))
    var sni: String?

    @Flag(help: "Start TLS directly with ALPN 'postgresql' instead of sending SSLRequest (PostgreSQL 17+).")
    var direct = false

    @Option(
        help: ArgumentHelp("Trusted CA certificates (PEM) to verify the server's chain against.", valueName: "file"),
        completion: .file())
    var ca: String?

    @Option(help: "Seconds the whole probe may take, connecting included.")
    var timeout = 10

    func validate() throws {
        _ = try endpoint()
        guard (1...86_400).contains(timeout) else {
            throw ValidationError("--timeout must be from 1 to 86400 seconds, not \(timeout).")
        }
    }

    func run() throws {
        let (host, port) = try endpoint()
        let probe = PostgresTLSProbe(
            host: host, port: port, serverName: sni, negotiation: direct ? .direct : .sslRequest, timeout: timeout)
        let report: PostgresTLSProbe.Report
        do {
            report = try probe.run()
        } catch {
            // A server before PostgreSQL 17 closes a direct handshake: SSLRequest works with it.
            let hint = error.hint.map { "\nhint: \($0); probe without --direct to send SSLRequest first" } ?? ""
            throw CommandFailure(error.description + hint)
        }
        if let response = report.sslResponse {
            print("SSLRequest: \(response) (\(response == "S" ? "TLS accepted" : "TLS declined"))")
        } else {
            print("SSLRequest: not sent (direct TLS)")
        }
        guard let connection = report.connection else { throw ExitCode.failure }
        print("protocol: \(connection.protocolVersion)")
        print("cipher: \(connection.cipher)")
        print("alpn: \(connection.alpnProtocol ?? "(none)")")
        for (index, certificate) in connection.peerCertificateChain.enumerated() {
            print("certificate \(index): \(certificate.subject)")
            print("  issuer: \(certificate.issuer)")
            let names = certificate.subjectAlternativeNames.map(\.description)
            print("  alternative names: \(names.isEmpty ? "(none)" : names.joined(separator: ", "))")
            let dates = [certificate.notBefore, certificate.notAfter].map { $0.formatted(.iso8601) }
            print("  valid: \(dates[0]) to \(dates[1])")
        }
        if let ca = ca ?? environment["PGSSLROOTCERT"] {
            let verdicts = CertificateCheck.verifyFull(
                serverChain: connection.peerCertificateChain, authorityFile: ca, host: sni ?? host)
            try CertsVerdicts.report(verdicts, as: .text)
        }
    }

    /// The process environment (PGHOST, PGPORT, PGSSLROOTCERT).
    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The server: the argument (`HOST:PORT`, `[IPv6]:PORT`, or a host, a bare IPv6 address too), else -h, else
    /// PGHOST, else localhost; the port from the argument, else -p, else PGPORT, else 5432. A host given twice
    /// (the argument and -h) or a port given twice (in the argument and with -p) is a usage error, and so are a
    /// Unix socket directory (libpq never uses TLS there) and a list of hosts or ports (probe one at a time).
    private func endpoint() throws -> (host: String, port: Int) {
        let givenPort = try port.map { try Self.portNumber($0, from: "-p") }
        let defaultPort = try givenPort ?? environment["PGPORT"].map { try Self.portNumber($0, from: "PGPORT") } ?? 5432
        guard let address else {
            guard host == nil || !host!.isEmpty else { throw ValidationError("-h/--host is empty.") }
            let (name, source) =
                host.map { ($0, "-h") } ?? environment["PGHOST"].flatMap { $0.isEmpty ? nil : ($0, "PGHOST") }
                ?? ("localhost", "")
            try Self.checkSingleTCPHost(name, from: source)
            return (name, defaultPort)
        }
        guard host == nil else {
            throw ValidationError("Give the host either as the argument or with -h, not both.")
        }
        var host = Substring(address)
        var port: Substring?
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = address[address.index(after: address.startIndex)..<close]
            let rest = address[address.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else {
                throw ValidationError("'\(address)': expected [IPv6]:PORT.")
            }
            port = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = address.firstIndex(of: ":"), colon == address.lastIndex(of: ":") {
            host = address[..<colon]
            port = address[address.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ValidationError("'\(address)': no host.") }
        try Self.checkSingleTCPHost(String(host), from: "'\(address)'")
        guard let port else { return (String(host), defaultPort) }
        guard givenPort == nil else {
            throw ValidationError("Give the port either in HOST:PORT or with -p, not both.")
        }
        return (String(host), try Self.portNumber(String(port), from: "'\(address)'"))
    }

    /// Refuses a host the probe cannot use: a Unix socket directory, or a list of hosts as libpq's `host` allows.
    private static func checkSingleTCPHost(_ host: String, from source: String) throws {
        let origin = source.isEmpty ? "" : "\(source): "
        if host.hasPrefix("/") || host.hasPrefix("@") {
            throw ValidationError(
                "\(origin)\"\(host)\" is a Unix socket directory; PostgreSQL does not use TLS over Unix sockets, so "
                    + "there is nothing to probe.\nhint: give the server's TCP host name or address (-h or HOST:PORT).")
        }
        if host.contains(",") {
            throw ValidationError(
                "\(origin)\"\(host)\" lists several hosts; the probe checks one server at a time.\n"
                    + "hint: run it once per host (-h HOST).")
        }
    }

    /// A port from 1 to 65535, or a usage error naming where the text came from.
    private static func portNumber(_ text: String, from source: String) throws -> Int {
        guard let number = Int(text), (1...65535).contains(number) else {
            throw ValidationError("\(source): the port must be a number from 1 to 65535, not '\(text)'.")
        }
        return number
    }
}
