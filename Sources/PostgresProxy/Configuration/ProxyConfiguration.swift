import NIOCore
import PostgresWire

/// What `PostgresProxy` relays to and what it logs.
public struct ProxyConfiguration: Sendable {
    /// The server every client is relayed to.
    public var upstream: UpstreamServer
    /// The traffic log's format; `.none` logs only the per-connection summaries.
    public var format: TrafficLogFormat
    /// Which message types are logged.
    public var filter: MessageTypeFilter
    /// Masking and truncation of logged values (`--reveal-secrets`, `--full`).
    public var renderOptions: RenderOptions
    /// How long a connection attempt to the upstream may take.
    public var upstreamConnectTimeout: TimeAmount

    /// A configuration relaying to `upstream` and logging text lines.
    public init(
        upstream: UpstreamServer,
        format: TrafficLogFormat = .text,
        filter: MessageTypeFilter = MessageTypeFilter(),
        renderOptions: RenderOptions = RenderOptions(),
        upstreamConnectTimeout: TimeAmount = .seconds(10)
    ) {
        self.upstream = upstream
        self.format = format
        self.filter = filter
        self.renderOptions = renderOptions
        self.upstreamConnectTimeout = upstreamConnectTimeout
    }
}
