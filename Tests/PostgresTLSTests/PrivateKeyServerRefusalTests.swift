import PostgresTLS
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PostgreSQL's rule for its server key file (`check_ssl_key_file_permissions`), which `pgw serve`, `pgw proxy` and
/// `pgw repl --listen` apply to `--tls-key`: libpq's permissions, and owned by the server's user or root.
struct PrivateKeyServerRefusalTests {
    @Test(
        arguments: [
            (0o600, 0, 0, true), (0o640, 0, 0, true), (0o644, 0, 0, false), (0o660, 0, 1000, false),
            (0o640, 0, 1000, true), (0o600, 1000, 1000, true), (0o640, 1000, 1000, false), (0o604, 1000, 1000, false),
            (0o600, 1000, 0, false), (0o600, 1001, 1000, false), (0o400, 1000, 1000, true),
        ] as [(Int, Int, Int, Bool)])
    func acceptedAsPostgreSQLAcceptsIt(mode: Int, owner: Int, user: Int, accepted: Bool) {
        let permissions = PrivateKeyFilePermissions(mode: S_IFREG | mode_t(mode), owner: uid_t(owner))
        #expect((permissions.serverRefusal(path: "k.key", effectiveUser: uid_t(user)) == nil) == accepted)
    }

    @Test func postgreSQLsMessages() {
        let open = PrivateKeyFilePermissions(mode: S_IFREG | 0o644, owner: 0).serverRefusal(path: "k.key")
        #expect(open?.message == "private key file \"k.key\" has group or world access")
        #expect(
            open?.detail
                == "File must have permissions u=rw (0600) or less if owned by the database user, or permissions "
                + "u=rw,g=r (0640) or less if owned by root.")
        let foreign = PrivateKeyFilePermissions(mode: S_IFREG | 0o600, owner: 4321)
            .serverRefusal(path: "k.key", effectiveUser: 1000)
        #expect(foreign?.message == "private key file \"k.key\" must be owned by the database user or root")
        #expect(
            PrivateKeyFilePermissions(mode: S_IFDIR | 0o600, owner: 0).serverRefusal(path: "k")?.message
                == "private key file \"k\" is not a regular file")
    }
}
