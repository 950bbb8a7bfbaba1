import CYaml

/// How deep a script's YAML may nest, checked on libyaml's events before Yams composes the document: Yams composes
/// (and Swift releases) nodes recursively, so a script of thousands of `[` would exhaust the stack and kill
/// `pgw serve` (at a SIGHUP reload too) instead of being an error at its line and column.
enum ScriptNestingLimit {
    /// The most collections (lists and mappings) one node may sit in; a script's values nest a few deep.
    static let maximumDepth = 100

    /// Throws at the first collection nested deeper than ``maximumDepth``; YAML that libyaml cannot parse passes
    /// (Yams then reports it).
    static func check(_ yaml: String) throws(ScriptError) {
        var bytes = Array(yaml.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let tooDeep: (line: Int, column: Int)? = bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maximumDepth {
                        return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1)
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return nil
                default:
                    break
                }
            }
            return nil
        }
        if let (line, column) = tooDeep {
            throw ScriptError(
                line: line, column: column,
                message: "lists and mappings nest more than \(maximumDepth) deep")
        }
    }
}
