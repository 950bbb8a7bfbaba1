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

    /// A configuration relaying to `upstream` (or by `routes`) and logging text lines.
    public init(
        upstream: UpstreamServer?,
        routes: [UpstreamRoute] = [],
        format: TrafficLogFormat = .text,
        filter: MessageTypeFilter = MessageTypeFilter(),
        renderOptions: RenderOptions = RenderOptions(),
        upstreamConnectTimeout: TimeAmount = .seconds(10),
        upstreamKeyLogFile: String? = nil,
        colors: Bool = false
    ) {
        self.upstream = upstream
        self.routes = routes
        self.format = format
        self.filter = filter
        self.renderOptions = renderOptions
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.upstreamKeyLogFile = upstreamKeyLogFile
        self.colors = colors
    }

    /// The upstream for a client that asked for `serverName` (SNI; `nil` when it sent none): the first route
    /// that matches, else ``upstream``.
    public func upstream(forServerName serverName: String?) -> UpstreamServer? {
        if let serverName {
            for route in routes {
                if let upstream = route.upstream(forServerName: serverName) { return upstream }
            }
        }
        return upstream
    }
}
