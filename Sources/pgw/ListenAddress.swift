import Foundation
import NIOCore

/// Where a subcommand listens: `HOST:PORT`, `[V6]:PORT` or (where a default host is given) `PORT`. The host `*`
/// means every address, IPv4 and IPv6, as in PostgreSQL's `listen_addresses`: it binds `::`, which on Linux
/// accepts IPv4 connections too.
struct ListenAddress {
    /// The host to bind (`::` for `*`).
    let host: String
    /// The port to bind (0 picks a free one).
    let port: Int

    /// `host` and `port` as given (`*` for every address).
    init(host: String, port: Int) {
        self.host = host == "*" ? "::" : host
        self.port = port
    }

    /// The address `text` gives, or `nil` when it is not one; a bare port takes `defaultHost` when there is one.
    init?(_ text: String, defaultHost: String? = nil) {
        var host = defaultHost
        var portText = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard var host, !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// `HOST:PORT` as a URL or libpq's `host:port` lists write it: an IPv6 address in brackets.
    static func text(host: String, port: Int) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Prints `listening on HOST:PORT` with the address bound (`bound`, when known) at once: scripts wait for it.
    func announce(bound: SocketAddress?) {
        let line = "listening on \(Self.text(host: bound?.ipAddress ?? host, port: bound?.port ?? port))\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
