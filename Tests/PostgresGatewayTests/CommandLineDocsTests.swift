import Foundation
import PostgresTestSupport
import Testing

/// pgw's help, man pages and completion scripts (man/ and completions/, as committed; `.ci/check-docs` keeps them
/// equal to what the sources generate), read the way users meet them: `--help` at 80 columns, `man --warnings`,
/// and the real bash, zsh and fish.
@Suite("Help, man pages and completions")
struct CommandLineDocsTests {
    /// Every command with its own help and man page.
    static let commands: [[String]] = [
        [], ["decode"], ["serve"], ["proxy"], ["repl"], ["certs"], ["certs", "md5"], ["certs", "scram"],
        ["certs", "verify-password"], ["certs", "generate"], ["certs", "check"], ["certs", "probe"],
    ]

    /// The repository's directory `name` (`man`, `completions`).
    static func repositoryDirectory(_ name: String) -> URL {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: name, directoryHint: .isDirectory)
    }

    @Test(
        "--help at 80 columns: examples keep one command per line, prose has no runs of spaces",
        arguments: commands)
    func helpText(_ command: [String]) async throws {
        let outcome = try await SubprocessCommand(
            try PGWExecutable.url(), command + ["--help"],
            environment: ["COLUMNS": "80", "PATH": "/usr/bin:/bin"]
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        let lines = outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let prose = lines.prefix { !$0.hasPrefix("USAGE:") && !$0.hasPrefix("OPTIONS:") }
        for line in prose where !line.hasPrefix(" ") {
            #expect(!line.contains("   "), "a broken line continuation in: \(line)")
        }
        guard let start = lines.firstIndex(of: "Examples:") else { return }
        let examples = lines[(start + 1)...].prefix { !$0.isEmpty }
        #expect(!examples.isEmpty)
        var continued = false
        for line in examples {
            // A line the help wrapped starts in column 0; a continued command is indented further.
            #expect(line.hasPrefix(continued ? "    " : "  ") && line.count < 80, "wrapped example line: \(line)")
            continued = line.hasSuffix("\\")
        }
    }

    @Test("man pages: clean under man --warnings, with defaults, ENVIRONMENT and EXIT STATUS 0, 1 and 64")
    func manPages() async throws {
        let pages = try FileManager.default.contentsOfDirectory(
            at: Self.repositoryDirectory("man"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "1" }
        #expect(pages.count == Self.commands.count + 1)  // and pgw help
        let man = try PostgresInstallation.executableOnPath("man")
        for page in pages {
            let outcome = try await SubprocessCommand(
                man, ["--warnings", "-l", page.path], environment: ["MANWIDTH": "80", "PATH": "/usr/bin:/bin"]
            ).run()
            #expect(outcome.succeeded && outcome.standardError.isEmpty, "\(page.lastPathComponent): \(outcome)")
            for heading in ["ENVIRONMENT", "EXIT STATUS"] {
                #expect(outcome.standardOutput.contains("\n\(heading)\n"), "\(page.lastPathComponent): \(heading)")
            }
            let source = try String(contentsOf: page, encoding: .utf8)
            #expect(source.contains(".It 0\n") && source.contains(".It 1\n") && source.contains(".It 64\n"))
        }
        let serve = try String(
            contentsOf: Self.repositoryDirectory("man").appending(path: "pgw.serve.1"), encoding: .utf8)
        for shown in [
            "(default: 127.0.0.1)", "default PGPORT, else 5432", "(default: 1000)", "(values: trace, debug, info,",
            "\n.Bd -literal",
        ] {
            #expect(serve.contains(shown), "pgw.serve.1 lacks \(shown)")
        }
    }

    @Test("every option whose value is a file completes file names in bash", arguments: commands.filter { !$0.isEmpty })
    func fileOptionsCompleteFiles(_ command: [String]) async throws {
        let help = try await SubprocessCommand(
            try PGWExecutable.url(), command + ["--help"], environment: ["COLUMNS": "200", "PATH": "/usr/bin:/bin"]
        ).run()
        let fileOptions = help.standardOutput.split(separator: "\n").compactMap { line -> String? in
            guard let match = line.firstMatch(of: /(--[a-z-]+) <(file|directory)>/) else { return nil }
            return String(match.1)
        }
        let script = try String(
            contentsOf: Self.repositoryDirectory("completions").appending(path: "pgw.bash"), encoding: .utf8)
        let function = script.components(separatedBy: "_pgw_\(command.joined(separator: "_"))() {\n").dropFirst().first
        let body = try #require(function?.components(separatedBy: "\n}\n").first, "no bash function for \(command)")
        for option in fileOptions {
            let branch = body.components(separatedBy: "'\(option)'").dropFirst().first?.prefix(120) ?? ""
            #expect(
                branch.contains("__pgw_add_completions -f") || branch.contains("__pgw_add_completions -d"),
                "\(command) \(option)")
        }
    }

    /// A directory holding `client.bin`, `server.crt` and the directory `subdir`, for file-name completion.
    static func filesToComplete() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-completion-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appending(path: "subdir"), withIntermediateDirectories: true)
        for name in ["client.bin", "server.crt"] {
            try Data().write(to: directory.appending(path: name))
        }
        return directory
    }

    @Test("bash completes file names for file options and directories for --dir, and falls back to file names")
    func bash() async throws {
        let directory = try Self.filesToComplete()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Calls the completion function as bash's programmable completion does, with COMP_WORDS and COMP_CWORD.
        let script = """
            set -e
            source "$1/pgw.bash"
            complete -p pgw
            words() {
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                _pgw pgw "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                echo "$*: $(printf '%s\\n' "${COMPREPLY[@]}" | sort | tr '\\n' ' ')"
            }
            words pgw decode --frontend cl
            words pgw serve --tls-cert ''
            words pgw certs generate --dir ''
            words pgw certs check --ca s
            """
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("bash"),
            ["--norc", "--noprofile", "-c", script, "bash", Self.repositoryDirectory("completions").path],
            workingDirectory: directory
        ).run()
        #expect(outcome.succeeded && outcome.standardError.isEmpty, "\(outcome)")
        for line in [
            "complete -o default -o filenames -F _pgw pgw", "pgw decode --frontend cl: client.bin ",
            "pgw serve --tls-cert : client.bin server.crt subdir ", "pgw certs generate --dir : subdir ",
            "pgw certs check --ca s: server.crt subdir ",
        ] {
            #expect(outcome.standardOutput.split(separator: "\n").contains(Substring(line)), "\(line) in \(outcome)")
        }
    }

    @Test("zsh loads the completion script without errors and binds _pgw to pgw")
    func zsh() async throws {
        // compinit -D writes no dump file; HOME and ZDOTDIR point at an empty directory all the same.
        let home = try Self.filesToComplete()
        defer { try? FileManager.default.removeItem(at: home) }
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("zsh"),
            [
                "-f", "-c",
                #"autoload -Uz compinit && compinit -u -D && source "$1/_pgw" && print -r -- "${_comps[pgw]}""#,
                "zsh", Self.repositoryDirectory("completions").path,
            ],
            environment: ["HOME": home.path, "ZDOTDIR": home.path, "PATH": "/usr/bin:/bin"]
        ).run()
        #expect(outcome.succeeded && outcome.standardError.isEmpty, "\(outcome)")
        #expect(outcome.standardOutput == "_pgw\n", "\(outcome)")
    }

    @Test("fish loads the completion script without errors and completes file names and directories")
    func fish() async throws {
        let directory = try Self.filesToComplete()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("fish"),
            [
                "--no-config", "-c",
                #"source $argv[1]/pgw.fish; and complete -C "pgw decode --frontend cl"; and complete -C "pgw certs generate --dir s""#,
                Self.repositoryDirectory("completions").path,
            ],
            environment: [
                "HOME": directory.path, "XDG_CONFIG_HOME": directory.path, "XDG_DATA_HOME": directory.path,
                "PATH": "/usr/bin:/bin",
            ],
            workingDirectory: directory
        ).run()
        #expect(outcome.succeeded && outcome.standardError.isEmpty, "\(outcome)")
        let offered = outcome.standardOutput.split(separator: "\n").map { $0.split(separator: "\t").first ?? "" }
        #expect(offered == ["client.bin", "subdir/"], "\(outcome)")
    }
}
