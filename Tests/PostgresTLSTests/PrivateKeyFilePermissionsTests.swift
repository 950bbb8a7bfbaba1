import PostgresTLS
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libpq's rule for private key files, whoever runs the check.
struct PrivateKeyFilePermissionsTests {
    @Test(
        arguments: [
            (0o600, 0, true), (0o640, 0, true), (0o400, 0, true), (0o644, 0, false), (0o660, 0, false),
            (0o650, 0, false), (0o600, 1000, true), (0o400, 1000, true), (0o640, 1000, false), (0o604, 1000, false),
            (0o700, 1000, true), (0o610, 1000, false),
        ] as [(Int, Int, Bool)])
    func acceptedAsLibpqAcceptsIt(mode: Int, owner: Int, accepted: Bool) {
        let permissions = PrivateKeyFilePermissions(mode: S_IFREG | mode_t(mode), owner: uid_t(owner))
        #expect((permissions.libpqError(path: "k.key") == nil) == accepted)
    }

    @Test func libpqsMessages() {
        #expect(
            PrivateKeyFilePermissions(mode: S_IFREG | 0o644, owner: 0).libpqError(path: "k.key")
                == "private key file \"k.key\" has group or world access; file must have permissions u=rw (0600) or "
                + "less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root")
        #expect(
            PrivateKeyFilePermissions(mode: S_IFDIR | 0o600, owner: 0).libpqError(path: "k")
                == "private key file \"k\" is not a regular file")
    }
}
