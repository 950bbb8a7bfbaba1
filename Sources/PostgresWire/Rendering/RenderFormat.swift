/// An output format for decoded messages.
public enum RenderFormat: String, Sendable, CaseIterable {
    /// One readable line per message, prefixed with `F` (frontend) or `B` (backend).
    case text
    /// One JSON object per line (JSON Lines), as `docs/pgw-messages.schema.json` describes.
    case json
    /// A header line per message followed by a hex dump of its bytes.
    case hex

    /// The version of the JSON Lines format, the `schema` member of every JSON line.
    ///
    /// It changes whenever a member is renamed, removed or changes its type, so consumers can detect the
    /// change; `docs/pgw-messages.schema.json` describes this version.
    public static let jsonSchemaVersion = 1
}
