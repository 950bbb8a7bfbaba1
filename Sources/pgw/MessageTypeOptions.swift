import ArgumentParser
import PostgresWire

/// `--only` and `--skip`, for the subcommands that show messages (`decode`, `proxy`).
struct MessageTypeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Show only messages of these types (comma-separated, repeatable).", valueName: "types"),
        completion: .list(MessageTypeFilter.typeNames))
    var only: [String] = []

    @Option(
        help: ArgumentHelp("Do not show messages of these types (comma-separated, repeatable).", valueName: "types"),
        completion: .list(MessageTypeFilter.typeNames))
    var skip: [String] = []

    /// The filter the options describe.
    var filter: MessageTypeFilter { MessageTypeFilter(only: only, skip: skip) }

    func validate() throws {
        if let name = MessageTypeFilter.unknownNames(in: only + skip).first {
            throw ValidationError(
                "--only/--skip: no message type is called '\(name)'; use the names pgw prints, such as Query, "
                    + "DataRow or ErrorResponse (see 'pgw repl' and \\help for the list).")
        }
        let both = filter.only.intersection(filter.skip)
        if !both.isEmpty {
            let names = MessageTypeFilter.typeNames.filter { both.contains($0.lowercased()) }
            throw ValidationError(
                "--only and --skip both name \(names.joined(separator: ", ")): a type cannot be shown and hidden; "
                    + "give it to one of them.")
        }
    }
}
