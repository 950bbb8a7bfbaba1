extension PostgresServerConnectionHooks {
    /// These hooks, with every message that `onMessage` does not handle answered by a ``QuerySession`` (one per
    /// connection) that asks `responder`.
    public func servingQueries(with responder: any QueryResponder) -> PostgresServerConnectionHooks {
        var hooks = self
        hooks.queryResponder = responder
        return hooks
    }
}
