import PostgresTestSupport

extension PostgresServerFixture.Configuration {
    /// A gateway tests' cluster whose TCP connections follow `rules` (`pg_hba.conf` lines such as
    /// `host all alice 127.0.0.1/32 scram-sha-256`) before trust.
    static func gatewayTests(hostBasedAuthentication rules: [String]) -> Self {
        Self(label: "gateway", hostBasedAuthentication: rules, serverSettings: ["synchronous_commit = off"])
    }
}
