/// A role of the test cluster that logs in with a password, and how `pg_hba.conf` makes it authenticate.
struct PasswordRole: Sendable, CustomStringConvertible {
    /// `md5user`: `pg_hba.conf` method `md5`, password stored as an MD5 hash.
    static let md5 = PasswordRole(
        name: "md5user", password: "md5-secret", hbaMethod: "md5", passwordEncryption: "md5",
        serverChallenges: ["AuthenticationMD5Password"], clientMessages: ["PasswordMessage"])
    /// `scramuser`: `pg_hba.conf` method `scram-sha-256`, password stored as a SCRAM verifier.
    static let scram = PasswordRole(
        name: "scramuser", password: "scram-secret", hbaMethod: "scram-sha-256",
        passwordEncryption: "scram-sha-256",
        serverChallenges: ["AuthenticationSASL", "AuthenticationSASLContinue"],
        clientMessages: ["SASLInitialResponse", "SASLResponse"])
    /// `passuser`: `pg_hba.conf` method `password`, so the client sends the password in clear text.
    static let cleartext = PasswordRole(
        name: "passuser", password: "cleartext-secret", hbaMethod: "password",
        passwordEncryption: "scram-sha-256",
        serverChallenges: ["AuthenticationCleartextPassword"], clientMessages: ["PasswordMessage"])
    static let all = [md5, scram, cleartext]

    var name: String
    var password: String
    /// The `pg_hba.conf` authentication method for this role on 127.0.0.1.
    var hbaMethod: String
    /// The `password_encryption` setting the role's password is stored with.
    var passwordEncryption: String
    /// The authentication requests the server sends before deciding, whatever the password.
    var serverChallenges: [String]
    /// The messages the client answers them with.
    var clientMessages: [String]

    var description: String { "\(name) (\(hbaMethod))" }
}
