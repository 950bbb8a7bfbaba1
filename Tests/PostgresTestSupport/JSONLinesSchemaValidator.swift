import Foundation

/// Checks JSON Lines against the published schema, `docs/pgw-messages.schema.json`, with a real validator:
/// Python's `jsonschema` (draft 2020-12), parsing with an `object_pairs_hook` that rejects duplicate keys.
public enum JSONLinesSchemaValidator {
    /// The schema file in this checkout.
    public static let schemaURL = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "docs/pgw-messages.schema.json")

    /// The exit status the validator program uses when `jsonschema` does not import.
    private static let missingModuleStatus: Int32 = 3

    /// The validator: reads lines on standard input, prints one line per invalid line (its number, the reasons,
    /// then the line itself; at most 20) and `validated N lines` at the end; exits 1 when a line is invalid.
    private static let program = #"""
        import json, sys
        try:
            import jsonschema
        except ImportError as error:
            print(error, file=sys.stderr)
            sys.exit(3)

        def without_duplicate_keys(pairs):
            seen = set()
            for key, _ in pairs:
                if key in seen:
                    raise ValueError(f"duplicate key {key!r}")
                seen.add(key)
            return dict(pairs)

        with open(sys.argv[1], encoding="utf-8") as file:
            schema = json.load(file, object_pairs_hook=without_duplicate_keys)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        count = problems = 0
        for number, line in enumerate(sys.stdin, start=1):
            line = line.rstrip("\n")
            count += 1
            try:
                reasons = [
                    f"{error.message} (at /{'/'.join(map(str, error.absolute_path))})"
                    for error in validator.iter_errors(json.loads(line, object_pairs_hook=without_duplicate_keys))
                ]
            except ValueError as error:
                reasons = [f"not valid JSON: {error}"]
            if reasons:
                problems += 1
                if problems <= 20:
                    print(f"line {number}: {'; '.join(reasons)}: {line}")
        if problems > 20:
            print(f"and {problems - 20} more invalid lines")
        print(f"validated {count} lines")
        sys.exit(1 if problems else 0)
        """#

    /// The problems found in `lines`, one per invalid line with the line itself; empty when every line is valid.
    ///
    /// `pythonOptions` go to `python3` before the program (`-S`, say, hides site-installed modules).
    /// Throws ``TestSupportError/missingPrerequisite(_:)`` naming `python3` or the `jsonschema` module when
    /// either is missing, and ``TestSupportError/unexpected(_:)`` when the validator did not check every line.
    public static func problems(in lines: [String], pythonOptions: [String] = []) async throws -> [String] {
        guard FileManager.default.isReadableFile(atPath: schemaURL.path) else {
            throw TestSupportError.missingPrerequisite("the JSON Schema \(schemaURL.path)")
        }
        let python = try PostgresInstallation.executableOnPath("python3")
        let outcome = try await SubprocessCommand(
            python, pythonOptions + ["-c", program, schemaURL.path],
            standardInput: Data(lines.map { $0 + "\n" }.joined().utf8),
            timeout: .seconds(120)
        ).run()
        if outcome.status == missingModuleStatus && !outcome.terminatedBySignal {
            throw TestSupportError.missingPrerequisite(
                "Python module 'jsonschema' for \(python.path) (pip install jsonschema, or run "
                    + ".ci/install-prerequisites): \(outcome.standardError)")
        }
        var output = outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while output.last == "" { output.removeLast() }
        guard outcome.status == 0 || outcome.status == 1, output.last == "validated \(lines.count) lines" else {
            throw TestSupportError.unexpected("the schema validator did not check all \(lines.count) lines: \(outcome)")
        }
        return outcome.status == 0 ? [] : Array(output.dropLast())
    }
}
