/// PostgreSQL's text output of `float4` and `float8` (`float4out` and `float8out` with the default
/// `extra_float_digits` of 1 or more): the shortest digits that read back as the same value, written as C's `%g`
/// writes them at that precision, in fixed notation when the decimal exponent is from -4 to below 6 (float4) or 15
/// (float8) (`1.5`, `0.0001`, `123456789012345.6`) and else in exponent notation (`1e+15`, `1.234567e+06`,
/// `1e-05`); `Infinity`, `-Infinity`, `NaN` and `-0`.
public enum FloatText {
    /// The text of `number`, a float8, or with `isFloat4` a float4 (which `number` then holds exactly).
    public static func text(_ number: Double, isFloat4: Bool) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        // Swift's description has the shortest round-trip digits too, in its own notation (`1e-05`, `1234567.0`).
        let description = isFloat4 ? Float(number).description : number.description
        let sign = number.sign == .minus ? "-" : ""
        let parts = description.drop { $0 == "-" }.split(separator: "e", maxSplits: 1)
        let mantissa = parts.first.map(String.init) ?? ""
        let written = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var exponent = (parts.count == 2 ? Int(parts[1]) ?? 0 : 0) + (written.first?.count ?? 1) - 1
        var digits = Substring(written.joined())
        while digits.first == "0" {
            digits = digits.dropFirst()
            exponent -= 1
        }
        while digits.last == "0" { digits = digits.dropLast() }
        guard !digits.isEmpty else { return sign + "0" }
        if exponent >= -4 && exponent < (isFloat4 ? 6 : 15) {
            guard exponent >= 0 else {
                return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
            }
            let whole = digits.prefix(exponent + 1)
            let fraction = digits.dropFirst(exponent + 1)
            return sign + whole + String(repeating: "0", count: exponent + 1 - whole.count)
                + (fraction.isEmpty ? "" : "." + fraction)
        }
        let magnitude = String(abs(exponent))
        return sign + digits.prefix(1) + (digits.count > 1 ? "." + digits.dropFirst() : "") + "e"
            + (exponent < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
    }
}
