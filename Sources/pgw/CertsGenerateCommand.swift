import ArgumentParser
import Foundation
import PostgresTLS

/// `pgw certs generate`: a throw-away CA with a server certificate and client certificates, as PEM files.
struct CertsGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a throw-away CA, a server certificate and client certificates for testing.",
        discussion: """
            Writes into --dir: ca.crt and ca.key (a new certificate authority), server.crt and server.key \
            (for the names given with --server-name, which may be wildcards such as *.example.test or IP \
            addresses; the first is also the CN) and, for each --client USER, USER.crt and USER.key (CN = USER, \
            for the 'cert' authentication method). Keys are ECDSA P-256, mode 0600; certificates are mode 0644. \
            Existing files are left alone unless --force is given. Every file is first written to a new \
            temporary file in --dir and the set is renamed into place only once all are written, so a failure \
            leaves the old set as it was; a symbolic link in --dir is replaced, never followed.

            For PostgreSQL: ssl_cert_file = server.crt, ssl_key_file = server.key (owned by the server's user), \
            ssl_ca_file = ca.crt. For libpq: sslrootcert=ca.crt, and sslcert=USER.crt sslkey=USER.key.

            Examples:
              pgw certs generate --dir certs --server-name db.example.test --client alice
              pgw certs generate --dir certs --server-name '*.db.test' --server-name ::1
            """
    )

    @Option(
        help: ArgumentHelp("The directory to write into; created if missing.", valueName: "dir"), completion: .directory
    )
    var dir: String

    @Option(
        name: .customLong("server-name"),
        help: ArgumentHelp("A DNS name, wildcard or IP address for server.crt; repeatable.", valueName: "name"))
    var serverNames: [String]

    @Option(
        name: .customLong("client"),
        help: ArgumentHelp("A role name to make a client certificate for; repeatable.", valueName: "user"))
    var clients: [String] = []

    @Option(help: "How many days the certificates are valid, from 1 to 36500.")
    var days = 365

    @Flag(help: "Overwrite existing files.")
    var force = false

    func validate() throws {
        guard !serverNames.isEmpty else { throw ValidationError("Give at least one --server-name.") }
        guard (1...36_500).contains(days) else {
            throw ValidationError("--days must be from 1 to 36500 (100 years), not \(days).")
        }
        for name in serverNames {
            if let problem = CertsServerName.problem(with: name) {
                throw ValidationError(
                    "--server-name '\(name)' is not a DNS name or IP address: \(problem). "
                        + "Give a name such as db.example.test, *.example.test, 127.0.0.1 or ::1.")
            }
        }
        for client in clients {
            guard !client.isEmpty, !client.contains("/"), client != "." && client != ".." else {
                throw ValidationError("--client '\(client)' cannot be used as a file name.")
            }
            guard client != "ca" && client != "server" else {
                throw ValidationError("--client '\(client)' would overwrite \(client).crt; pick another name.")
            }
        }
        if Set(clients).count != clients.count {
            throw ValidationError("A --client is given twice.")
        }
    }

    func run() throws {
        let validity = TimeInterval(days) * 86400
        let authorityKey = try TLSPrivateKey.generate(.ecdsaP256)
        let authorityTemplate = TLSCertificateTemplate(
            commonName: "pgw throw-away CA for \(serverNames[0])", isCertificateAuthority: true, validity: validity)
        let authorityCertificate = try TLSCertificate.issue(authorityTemplate, for: authorityKey)
        let authority = try TLSIdentity(certificateChain: [authorityCertificate], privateKey: authorityKey)

        var server = TLSCertificateTemplate(
            commonName: serverNames[0], subjectAlternativeNames: serverNames.map(TLSSubjectAlternativeName.init(host:)),
            validity: validity)
        server.extendedKeyUsages = [.serverAuth]
        var files = [
            CertsFile(name: "ca.crt", text: authorityCertificate.pemString, mode: 0o644),
            CertsFile(name: "ca.key", text: try authorityKey.pemString(), mode: 0o600),
        ]
        files += try Self.issue(server, as: "server", by: authority)
        for client in clients {
            var template = TLSCertificateTemplate(commonName: client, validity: validity)
            template.extendedKeyUsages = [.clientAuth]
            files += try Self.issue(template, as: client, by: authority)
        }

        let directory = URL(filePath: dir, directoryHint: .isDirectory)
        try Self.createDirectory(dir)
        if !force {
            let existing = files.map { directory.appending(path: $0.name).path }.filter {
                var status = stat()
                return lstat($0, &status) == 0
            }
            guard existing.isEmpty else {
                throw CommandFailure("Refusing to overwrite \(existing.joined(separator: ", ")); use --force.")
            }
        }
        try CertsFile.writeSet(files, into: directory.path, replacing: force)
        for file in files {
            print(directory.appending(path: file.name).path)
        }
    }

    /// Creates `path` and its missing parents (mode 0755, less the umask), or fails with the path, the system's
    /// reason and a hint: `cannot create directory "x": File exists`.
    static func createDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw CommandFailure(
                    "cannot create directory \"\(path)\": \(String(cString: strerror(EEXIST)))\n"
                        + "hint: --dir names a file that is not a directory; give a directory (it is created if missing)"
                )
            }
            return
        }
        // Missing parents are created first; a parent that is a file makes this mkdir fail with ENOTDIR.
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, stat(parent, &status) != 0, errno == ENOENT { try createDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            let code = errno
            let hint =
                code == EACCES || code == EPERM || code == EROFS
                ? "choose a --dir you may write to" : "check --dir and the directories above it"
            throw CommandFailure(
                "cannot create directory \"\(path)\": \(String(cString: strerror(code)))\nhint: \(hint)")
        }
    }

    private static func issue(_ template: TLSCertificateTemplate, as name: String, by authority: TLSIdentity) throws
        -> [CertsFile]
    {
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        let certificate = try TLSCertificate.issue(template, for: key, issuer: authority)
        return [
            CertsFile(name: "\(name).crt", text: certificate.pemString, mode: 0o644),
            CertsFile(name: "\(name).key", text: try key.pemString(), mode: 0o600),
        ]
    }
}
