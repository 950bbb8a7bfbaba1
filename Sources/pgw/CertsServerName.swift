import Foundation

/// The rule for a `--server-name` of `pgw certs generate`: an IPv4 or IPv6 address, or a DNS name of letters,
/// digits and hyphens (labels of 1 to 63 characters, not starting or ending with a hyphen; 253 characters in
/// all) whose first label may be `*`, the only wildcard libpq matches.
enum CertsServerName {
    /// Why `name` cannot be a server name, or `nil` when it can.
    static func problem(with name: String) -> String? {
        if isIPAddress(name) { return nil }
        guard !name.isEmpty else { return "it is empty" }
        guard name.utf8.count <= 253 else { return "a DNS name has at most 253 characters" }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" {
            guard labels.count >= 2 else { return "a wildcard needs a domain after '*.'" }
            labels.removeFirst()
        }
        for label in labels {
            guard !label.isEmpty else { return "it has an empty label (two dots, or a dot at an end)" }
            guard label.utf8.count <= 63 else { return "the label '\(label)' is longer than 63 characters" }
            guard label.utf8.allSatisfy(isLetterDigitOrHyphen)
            else {
                return label.contains("*")
                    ? "a wildcard must be the whole first label, as in *.example.test"
                    : "the label '\(label)' has a character other than letters, digits and '-'"
            }
            guard label.first != "-" && label.last != "-" else {
                return "the label '\(label)' starts or ends with '-'"
            }
        }
        return nil
    }

    private static func isLetterDigitOrHyphen(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, text, &address) == 1 || inet_pton(AF_INET6, text, &address) == 1
    }
}
