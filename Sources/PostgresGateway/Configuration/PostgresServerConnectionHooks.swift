import NIOCore
import PostgresWire

/// Callbacks through which a program controls a ``PostgresServerConnection``. Every hook is optional and may be asynchronous;
/// while one runs, the connection reads no further client messages.
public struct PostgresServerConnectionHooks: Sendable {
    /// After the TLS handshake, before the StartupMessage: the place to open upstream connections.
    public var onTLSUpgrade: (@Sendable (PostgresServerConnection) async throws -> Void)?
    /// After the StartupMessage. Return `true` to take the connection over: authentication is skipped and every
    /// further message goes to ``onMessage`` (the connection does not count as authenticated).
    public var onStartup: (@Sendable (PostgresServerConnection) async throws -> Bool)?
    /// Checks cleartext, md5 and certificate credentials. Without this hook, passwords are rejected and
    /// verified certificates whose CN equals the user are accepted.
    public var validateCredentials: (@Sendable (Credentials, PostgresServerConnection) async throws -> Bool)?
    /// Supplies the stored SCRAM-SHA-256 verifier (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`) for a
    /// user, or `nil` if there is no such user. Required for ``AuthenticationMode/scramSHA256``.
    public var scramVerifier: (@Sendable (_ user: String, PostgresServerConnection) async throws -> String?)?
    /// After AuthenticationOk through ReadyForQuery were sent.
    public var onAuthenticated: (@Sendable (PostgresServerConnection) async throws -> Void)?
    /// Every message from the client once authenticated, with its raw bytes. Return `true` if handled; otherwise pgw
    /// answers it (Terminate closes; anything else gets a `0A000` error, plus ReadyForQuery after Query and Sync).
    public var onMessage: (@Sendable (FrontendMessage, ByteBuffer, PostgresServerConnection) async throws -> Bool)?
    /// A CancelRequest arrived on this (new) connection. pgw sends no reply and closes it; the session the request
    /// names (see ``CancelRegistry``) is cancelled before this runs.
    public var onCancelRequest: (@Sendable (CancelRequest, PostgresServerConnection) async -> Void)?
    /// A CancelRequest with this connection's key (from its BackendKeyData) arrived on another connection: stop
    /// the work of the statement being answered, if any, and answer it with `57014 canceling statement due to user
    /// request`, as PostgreSQL does. Runs in a task of its own, even while another hook runs; the query session's
    /// scripted delays are cancelled without it.
    public var onCancel: (@Sendable (PostgresServerConnection) async -> Void)?
    /// The connection closed without a session (see ``SessionlessEnd``): for a log of every connection. Runs on the
    /// connection's event loop, once, after the close; must not block.
    public var onSessionlessEnd: (@Sendable (PostgresServerConnection, SessionlessEnd) -> Void)?
    /// Answers the messages no `onMessage` hook handled, through a ``QuerySession``, on the event loop (no hook
    /// round trip per message). Set it with ``servingQueries(with:)``.
    public var queryResponder: (any QueryResponder)?

    /// Creates hooks; leave out the ones you don't need.
    public init(
        onTLSUpgrade: (@Sendable (PostgresServerConnection) async throws -> Void)? = nil,
        onStartup: (@Sendable (PostgresServerConnection) async throws -> Bool)? = nil,
        validateCredentials: (@Sendable (Credentials, PostgresServerConnection) async throws -> Bool)? = nil,
        scramVerifier: (@Sendable (_ user: String, PostgresServerConnection) async throws -> String?)? = nil,
        onAuthenticated: (@Sendable (PostgresServerConnection) async throws -> Void)? = nil,
        onMessage: (@Sendable (FrontendMessage, ByteBuffer, PostgresServerConnection) async throws -> Bool)? = nil,
        onCancelRequest: (@Sendable (CancelRequest, PostgresServerConnection) async -> Void)? = nil,
        onCancel: (@Sendable (PostgresServerConnection) async -> Void)? = nil,
        onSessionlessEnd: (@Sendable (PostgresServerConnection, SessionlessEnd) -> Void)? = nil
    ) {
        self.onTLSUpgrade = onTLSUpgrade
        self.onStartup = onStartup
        self.validateCredentials = validateCredentials
        self.scramVerifier = scramVerifier
        self.onAuthenticated = onAuthenticated
        self.onMessage = onMessage
        self.onCancelRequest = onCancelRequest
        self.onCancel = onCancel
        self.onSessionlessEnd = onSessionlessEnd
    }
}
