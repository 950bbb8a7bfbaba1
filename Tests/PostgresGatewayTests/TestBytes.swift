extension String {
    /// The UTF-8 bytes of the string, as SCRAM messages travel.
    var bytes: [UInt8] { Array(utf8) }
}

extension Array where Element == UInt8 {
    /// The bytes read as UTF-8, for comparing SCRAM messages with text.
    var text: String { String(decoding: self, as: UTF8.self) }
}
