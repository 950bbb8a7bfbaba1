/// What an ``UpstreamRoute`` makes of a client's server name (SNI) that its pattern matches.
public enum RouteMatch: Sendable, Hashable {
    /// The upstream the route relays the name to.
    case upstream(UpstreamServer)
    /// The name matches the pattern, but its leftmost label, which `{1}` puts into the route's target, cannot be
    /// used as a host name (it is not letters, digits and hyphens): the route relays nothing.
    case unusableLabel(String)
}
