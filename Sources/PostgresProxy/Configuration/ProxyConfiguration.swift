import NIOCore
import PostgresWire

/// What `PostgresProxy` relays to and what it logs.
public struct ProxyConfiguration: Sendable {
    /// The server clients are relayed to when no route matches (all clients when there are no routes); `nil`
    /// when only ``routes`` pick upstreams, so a client no route matches gets FATAL 08004.
    public var upstream: UpstreamServer?
    /// Upstreams picked by the client's TLS server name (SNI), tried in order: the first that matches wins.
    public var routes: [UpstreamRoute]
    /// The traffic log's format; `.none` logs only the per-connection summaries.
    public var format: TrafficLogFormat
    /// Which message types are logged.
    public var filter: MessageTypeFilter
    /// Masking and truncation of logged values (`--reveal-secrets`, `--full`).
    public var renderOptions: RenderOptions
    /// How long a connection attempt to the upstream may take.
    public var upstreamConnectTimeout: TimeAmount
    /// Where the upstream leg's TLS secrets are logged (`SSLKEYLOGFILE` format) when the proxy logs in
    /// upstream over TLS, unless the upstream's connection string names its own `sslkeylogfile`.
    public var upstreamKeyLogFile: String?
    /// Whether text log lines carry ANSI colours (direction, message type, errors), for a terminal.
    public var colors: Bool
    /// Whether the client leg's TLS (when the proxy has a certificate) is required (`--tls-require`, the
    /// default): a plaintext client gets FATAL 28000. Off (`--no-tls-require`), plaintext clients are relayed
    /// too, as pgbouncer's `client_tls_sslmode=prefer`, and their `opened` line says `client plaintext`.
    public var requiresClientTLS: Bool
    /// Whether clients must present a certificate that chains to the client leg's CAs
    /// (`--tls-require-client-cert`): one without gets FATAL 28000, as from PostgreSQL's `clientcert=verify-ca`.
    public var requiresClientCertificate: Bool

    /// A configuration relaying to `upstream` (or by `routes`) and logging text lines.
    public init(
        upstream: UpstreamServer?,
        routes: [UpstreamRoute] = [],
        format: TrafficLogFormat = .text,
        filter: MessageTypeFilter = MessageTypeFilter(),
        renderOptions: RenderOptions = RenderOptions(),
        upstreamConnectTimeout: TimeAmount = .seconds(10),
        upstreamKeyLogFile: String? = nil,
        colors: Bool = false,
        requiresClientTLS: Bool = true,
        requiresClientCertificate: Bool = false
    ) {
        self.upstream = upstream
        self.routes = routes
        self.format = format
        self.filter = filter
        self.renderOptions = renderOptions
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.upstreamKeyLogFile = upstreamKeyLogFile
        self.colors = colors
        self.requiresClientTLS = requiresClientTLS
        self.requiresClientCertificate = requiresClientCertificate
    }

    /// The upstream for a client that asked for `serverName` (SNI; `nil` when it sent none): the first route
    /// that matches, else ``upstream``.
    public func upstream(forServerName serverName: String?) -> UpstreamServer? {
        routing(serverName: serverName).upstream
    }

    /// The upstream for a client that asked for `serverName` (SNI; `nil` when it sent none), as
    /// ``upstream(forServerName:)``, and the first route whose pattern the name matched but whose `{1}` could not
    /// take its leftmost label (``RouteMatch/unusableLabel(_:)``), for the log and the client's FATAL.
    public func routing(
        serverName: String?
    ) -> (upstream: UpstreamServer?, unusableLabel: (route: UpstreamRoute, label: String)?) {
        var unusableLabel: (route: UpstreamRoute, label: String)?
        if let serverName {
            for route in routes {
                switch route.match(serverName: serverName) {
                case .upstream(let upstream): return (upstream, unusableLabel)
                case .unusableLabel(let label): unusableLabel = unusableLabel ?? (route, label)
                case nil: continue
                }
            }
        }
        return (upstream, unusableLabel)
    }
}
