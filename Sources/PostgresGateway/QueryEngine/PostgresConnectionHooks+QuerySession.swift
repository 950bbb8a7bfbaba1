extension PostgresConnectionHooks {
    /// These hooks, with every message that `onMessage` does not handle answered by a ``QuerySession`` (one per
    /// connection) that asks `responder`.
    public func servingQueries(with responder: any QueryResponder) -> PostgresConnectionHooks {
        var hooks = self
        hooks.queryResponder = responder
        return hooks
    }
}
