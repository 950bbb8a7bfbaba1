extension ParseTreeNode {
    /// This tree with the negative integer constants that libpg_query's JSON output loses put back.
    ///
    /// libpg_query 15 writes an integer constant's `ival` only when it is positive: `0` and negative values
    /// (`-7`, which the grammar folds into one constant) both come out as `{"ival": {}}`. Such a constant is read
    /// again from `text` at its `location`: minus signs, white space, comments and parentheses, then digits.
    func restoringNegativeIntegers(from text: [UInt8]) -> ParseTreeNode {
        switch self {
        case .object(var members):
            if case .object(var constant)? = members["A_Const"], case .object(let ival)? = constant["ival"],
                ival.isEmpty, let location = constant["location"]?.integer,
                let value = Self.integerLiteral(in: text, at: location), value != 0
            {
                constant["ival"] = .object(["ival": .number(Double(value))])
                members["A_Const"] = .object(constant)
                return .object(members)
            }
            return .object(members.mapValues { $0.restoringNegativeIntegers(from: text) })
        case .array(let elements):
            return .array(elements.map { $0.restoringNegativeIntegers(from: text) })
        default:
            return self
        }
    }

    /// The integer written at byte `location` of `text` (`-7`, `- (7)`, `-/* c */7`); `nil` when there is none.
    static func integerLiteral(in text: [UInt8], at location: Int) -> Int64? {
        var index = location
        var isNegative = false
        func starts(with prefix: String) -> Bool {
            text[index...].starts(with: prefix.utf8)
        }
        while index >= 0 && index < text.count {
            let byte = text[index]
            if starts(with: "--") {
                while index < text.count && text[index] != UInt8(ascii: "\n") { index += 1 }
            } else if starts(with: "/*") {
                index += 2
                while index < text.count && !starts(with: "*/") { index += 1 }
                index += 2
            } else if byte == UInt8(ascii: "-") {
                isNegative.toggle()
                index += 1
            } else if byte == UInt8(ascii: "(") || byte == UInt8(ascii: " ") || (9...13).contains(byte) {
                index += 1
            } else {
                break
            }
        }
        var magnitude: Int64 = 0
        let start = index
        while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            magnitude = product + Int64(text[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index > start else { return nil }
        return isNegative ? -magnitude : magnitude
    }
}
