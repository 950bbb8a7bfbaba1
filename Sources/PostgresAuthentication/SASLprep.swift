import Foundation

/// SASLprep (RFC 4013) as PostgreSQL applies it to SCRAM passwords (`pg_saslprep` in src/common/saslprep.c):
/// the password bytes that PBKDF2 hashes.
///
/// Covered, in PostgreSQL's order:
/// - a pure ASCII password is used unchanged;
/// - non-ASCII spaces (RFC 3454 table C.1.2) become U+0020 and characters "commonly mapped to nothing" (B.1),
///   such as the soft hyphen and zero-width joiners, are removed;
/// - the result is NFKC-normalized with Foundation's `precomposedStringWithCompatibilityMapping`
///   (current Unicode tables, where PostgreSQL uses its own copy);
/// - as in PostgreSQL, the raw UTF-8 bytes are used instead when the mapped password is empty or contains
///   a prohibited character (C.2.1 to C.9: controls, private use, non-characters, tags and the like) or a
///   code point unassigned in Unicode 3.2 (A.1, judged by the scalar's Unicode age).
///
/// Not covered: the bidirectional rule (RFC 3454 section 6). PostgreSQL also falls back to the raw bytes for a
/// password mixing right-to-left and left-to-right letters, or whose right-to-left text does not both start and
/// end it; here such a password is still mapped and normalized, which matters only when that changes it.
/// PostgreSQL's fallback for invalid UTF-8 cannot arise, since a `String` is always valid UTF-8.
enum SASLprep {
    /// The bytes that stand for `password` in SCRAM's key derivation.
    static func prepare(_ password: String) -> [UInt8] {
        let raw = Array(password.utf8)
        guard raw.contains(where: { $0 >= 0x80 }) else { return raw }
        var mapped = String.UnicodeScalarView()
        for scalar in password.unicodeScalars {
            if contains(nonASCIISpaces, scalar) {
                mapped.append(" ")
            } else if !contains(mappedToNothing, scalar) {
                mapped.append(scalar)
            }
        }
        guard !mapped.isEmpty, !mapped.contains(where: isProhibited) else { return raw }
        return Array(String(mapped).precomposedStringWithCompatibilityMapping.utf8)
    }

    /// RFC 3454 table C.1.2, where ZERO WIDTH SPACE (also in B.1) becomes a space, as in PostgreSQL.
    private static let nonASCIISpaces: [ClosedRange<UInt32>] = [
        0x00A0...0x00A0, 0x1680...0x1680, 0x2000...0x200B, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
    ]

    /// RFC 3454 table B.1.
    private static let mappedToNothing: [ClosedRange<UInt32>] = [
        0x00AD...0x00AD, 0x034F...0x034F, 0x1806...0x1806, 0x180B...0x180D, 0x200B...0x200D, 0x2060...0x2060,
        0xFE00...0xFE0F, 0xFEFF...0xFEFF,
    ]

    /// RFC 3454 tables C.2.1 to C.9, SASLprep's prohibited output besides the spaces already mapped.
    /// Surrogates (C.5) cannot occur in a `String`.
    private static let prohibited: [ClosedRange<UInt32>] = [
        0x0000...0x001F, 0x007F...0x009F,  // C.2.1, C.2.2 controls
        0x06DD...0x06DD, 0x070F...0x070F, 0x180E...0x180E, 0x200C...0x200D, 0x2028...0x2029, 0x2060...0x2063,
        0x206A...0x206F, 0xFEFF...0xFEFF, 0xFFF9...0xFFFC, 0x1D173...0x1D17A,  // C.2.2 other
        0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD,  // C.3 private use
        0xFDD0...0xFDEF,  // C.4 non-characters, with U+xFFFE and U+xFFFF below
        0xFFF9...0xFFFD,  // C.6 inappropriate for plain text
        0x2FF0...0x2FFB,  // C.7 inappropriate for canonical representation
        0x0340...0x0341, 0x200E...0x200F, 0x202A...0x202E,  // C.8 display properties
        0xE0001...0xE0001, 0xE0020...0xE007F,  // C.9 tagging
    ]

    private static func isProhibited(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age, (age.major, age.minor) <= (3, 2) else { return true }
        return scalar.value & 0xFFFE == 0xFFFE || contains(prohibited, scalar)
    }

    private static func contains(_ ranges: [ClosedRange<UInt32>], _ scalar: Unicode.Scalar) -> Bool {
        ranges.contains { $0.contains(scalar.value) }
    }
}
