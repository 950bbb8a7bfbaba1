import ArgumentParser
import PostgresAuthentication
import PostgresGateway

/// `pgw certs md5`: a role's MD5 password hash, or the response a client sends for a salt.
struct CertsMD5Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "md5",
        abstract: "Print a role's MD5 password hash, or the response a client sends for a salt.",
        discussion: """
            Without --salt, prints what PostgreSQL stores: 'md5' followed by md5(password + user) in hex. \
            With --salt, prints what a client sends in its PasswordMessage after an \
            AuthenticationMD5Password request with that salt: 'md5' + md5(hex(md5(password + user)) + salt). \
            PostgreSQL 18 deprecates MD5 passwords; prefer 'pgw certs scram'.

            Examples:
              pgw certs md5 --user alice
              printf 'secret\\n' | pgw certs md5 --user alice --salt 2a3b4c5d
            """
    )

    @Option(name: .long, help: "The role name, which the hash includes.")
    var user: String

    @OptionGroup
    var passwordOptions: CertsPasswordOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The 4-byte salt of AuthenticationMD5Password, as 8 hex digits.", valueName: "hex"),
        transform: Self.parseSalt
    )
    var salt: [UInt8]?

    func run() throws {
        let password = try passwordOptions.resolve()
        if let salt {
            print(MD5Password.clientResponse(user: user, password: password, salt: salt))
        } else {
            print(MD5Password.storedHash(user: user, password: password))
        }
    }

    private static func parseSalt(_ text: String) throws -> [UInt8] {
        guard text.count == 8, text.allSatisfy(\.isHexDigit), let value = UInt32(text, radix: 16) else {
            throw ValidationError("--salt must be 8 hex digits, such as 2a3b4c5d.")
        }
        return withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}
