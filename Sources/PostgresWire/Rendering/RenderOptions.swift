/// How messages are rendered.
public struct RenderOptions: Sendable, Hashable {
    /// Show passwords, SASL and GSS data and cancel keys instead of masking them.
    public var revealSecrets: Bool
    /// The longest value shown in a text line before it is cut; JSON always shows whole values.
    public var maximumTextValueLength: Int

    public init(revealSecrets: Bool = false, maximumTextValueLength: Int = 120) {
        self.revealSecrets = revealSecrets
        self.maximumTextValueLength = maximumTextValueLength
    }
}
