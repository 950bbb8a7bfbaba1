import PostgresTestSupport

extension PostgresServerFixture.Configuration {
    /// The capture tests' cluster: it trusts every connection except the roles that exercise password
    /// authentication (``PasswordRole/all``), accepts replication connections and decodes logical replication.
    static let captureTests = PostgresServerFixture.Configuration(
        label: "capture",
        hostBasedAuthentication: PasswordRole.all.map { "host all \($0.name) 127.0.0.1/32 \($0.hbaMethod)" } + [
            "host replication all 127.0.0.1/32 trust",
            "local replication all trust",
        ],
        serverSettings: [
            "wal_level = logical",
            "max_wal_senders = 4",
            "max_replication_slots = 4",
        ],
        roles: PasswordRole.all.map {
            PostgresServerFixture.Role(name: $0.name, password: $0.password, passwordEncryption: $0.passwordEncryption)
        }
    )
}
