/// One item of a text-form line after the message type: a bare value (`"select 1"`) or a named one (`maxRows=10`).
public struct TextFormItem: Sendable, Hashable {
    /// The name before `=`; `nil` for a bare value.
    public var name: String?
    /// The value.
    public var value: TextFormValue
    /// The column where the item starts (the name, when there is one).
    public var column: Int

    /// An item as written at `column`.
    public init(name: String?, value: TextFormValue, column: Int) {
        self.name = name
        self.value = value
        self.column = column
    }
}
