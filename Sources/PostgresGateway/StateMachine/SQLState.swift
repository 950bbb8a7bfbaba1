/// The SQLSTATE codes the gateway sends, named as in PostgreSQL's errcodes.txt.
public enum SQLState: String, Sendable, Hashable {
    /// 08P01 protocol_violation.
    case protocolViolation = "08P01"
    /// 0A000 feature_not_supported.
    case featureNotSupported = "0A000"
    /// 28000 invalid_authorization_specification.
    case invalidAuthorizationSpecification = "28000"
    /// 28P01 invalid_password.
    case invalidPassword = "28P01"
    /// 53300 too_many_connections.
    case tooManyConnections = "53300"
    /// 57014 query_canceled.
    case queryCanceled = "57014"
    /// 57P01 admin_shutdown.
    case adminShutdown = "57P01"
    /// XX000 internal_error, sent when a hook throws.
    case internalError = "XX000"
}
