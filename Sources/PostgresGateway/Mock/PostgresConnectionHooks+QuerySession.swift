import NIOConcurrencyHelpers
import NIOCore
import PostgresWire

extension PostgresConnectionHooks {
    /// These hooks with `onMessage` answering every query through a ``QuerySession`` per connection that asks
    /// `responder`; any `onMessage` already set runs first and may handle a message itself.
    public func servingQueries(with responder: any QueryResponder) -> PostgresConnectionHooks {
        let sessions = NIOLockedValueBox<[ObjectIdentifier: QuerySession]>([:])
        var hooks = self
        let previous = onMessage
        hooks.onMessage = { message, bytes, connection in
            if let previous, try await previous(message, bytes, connection) { return true }
            let key = ObjectIdentifier(connection)
            let replies = sessions.withLockedValue { open -> [BackendMessage] in
                if open[key] == nil {
                    let parameters = connection.state.clientInfo?.parameters ?? []
                    open[key] = QuerySession(
                        responder: responder,
                        settings: Dictionary(
                            parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                    )
                    connection.channel.closeFuture.whenComplete { _ in
                        _ = sessions.withLockedValue { $0.removeValue(forKey: key) }
                    }
                }
                return open[key]!.handle(message)
            }
            if !replies.isEmpty { try await connection.send(replies) }
            return true
        }
        return hooks
    }
}
