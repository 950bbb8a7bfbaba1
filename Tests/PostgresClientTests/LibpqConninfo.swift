import CLibPQ

/// What the system's libpq makes of a connection string, through `PQconninfoParse`.
enum LibpqConninfo {
    /// The options `text` sets, or libpq's error message (without its final newline).
    static func parse(_ text: String) -> Result<[String: String], LibpqError> {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            defer { PQfreemem(errorMessage) }
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            return .failure(LibpqError(message: message.trimmingCharacters(in: ["\n"])))
        }
        defer { PQconninfoFree(options) }
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                result[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        return .success(result)
    }

    /// The keywords this libpq knows (libpq 15 on Debian 12 knows fewer than pgw, which follows libpq 18).
    static let keywords: Set<String> = {
        guard let options = PQconndefaults() else { return [] }
        defer { PQconninfoFree(options) }
        var names: Set<String> = []
        var option = options
        while let keyword = option.pointee.keyword {
            names.insert(String(cString: keyword))
            option += 1
        }
        return names
    }()
}

/// libpq's message for a connection string it rejects.
struct LibpqError: Error, Equatable {
    var message: String
}
