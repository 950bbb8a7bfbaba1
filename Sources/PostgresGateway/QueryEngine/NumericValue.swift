/// An exact decimal number as PostgreSQL's `numeric` keeps it: a whole number of units and the display scale (the
/// digits after the decimal point), with PostgreSQL's rules for the scale of a sum, difference, product, quotient
/// and remainder. Up to 38 significant digits; an operation whose result needs more gives `nil` (the evaluator then
/// does not answer: PostgreSQL's `numeric` has no such limit).
struct NumericValue: Sendable, Hashable {
    /// The value times 10^scale.
    var units: Int128
    /// The digits after the decimal point.
    var scale: Int

    /// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`: a quotient has at least this many significant digits.
    private static let minimumSignificantDigits = 16
    /// PostgreSQL's `NUMERIC_MAX_DISPLAY_SCALE`.
    private static let maximumScale = 1000

    /// Reads PostgreSQL's text input of a numeric: `-12.50`, `1e3`, `.5`; `nil` for anything else (`NaN` too).
    init?(_ text: String) {
        var characters = Substring(text.trimmingWhitespace())
        var exponent = 0
        if let e = characters.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(characters[characters.index(after: e)...]), abs(value) <= Self.maximumScale else {
                return nil
            }
            exponent = value
            characters = characters[..<e]
        }
        let isNegative = characters.first == "-"
        if characters.first == "-" || characters.first == "+" { characters = characters.dropFirst() }
        let parts = characters.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts.joined()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        var units: Int128 = 0
        for digit in digits.utf8 {
            let (product, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            units = product + Int128(digit - UInt8(ascii: "0"))
        }
        var scale = parts.count == 2 ? parts[1].count : 0
        scale -= exponent
        if scale < 0 {
            guard let scaled = Self.multiply(units, byPowerOfTen: -scale) else { return nil }
            units = scaled
            scale = 0
        }
        self.units = isNegative ? -units : units
        self.scale = scale
    }

    /// A value of `units` × 10^-`scale`.
    init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// PostgreSQL's text output: all `scale` digits after the point (`2.5000000000000000`).
    var text: String {
        let digits = String(units.magnitude)
        let sign = units < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        return sign + padded.dropLast(scale) + "." + padded.suffix(scale)
    }

    /// `self + other` (`subtracting`: `self - other`), at the larger scale.
    func adding(_ other: NumericValue, subtracting: Bool = false) -> NumericValue? {
        let scale = max(self.scale, other.scale)
        guard let a = rescaled(to: scale)?.units, var b = other.rescaled(to: scale)?.units else { return nil }
        if subtracting { b = -b }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : NumericValue(units: sum, scale: scale)
    }

    /// `self * other`, at the sum of the scales.
    func multiplied(by other: NumericValue) -> NumericValue? {
        let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
        return overflow ? nil : NumericValue(units: product, scale: scale + other.scale)
    }

    /// `self / other` rounded half away from zero to PostgreSQL's scale for a quotient (`select_div_scale`: at
    /// least 16 significant digits, and no less than either scale); `nil` when `other` is zero or it overflows.
    func divided(by other: NumericValue) -> NumericValue? {
        guard other.units != 0 else { return nil }
        var resultScale = Self.minimumSignificantDigits
        if units != 0, let (weight1, first1) = baseTenThousandLead, let (weight2, first2) = other.baseTenThousandLead {
            var quotientWeight = weight1 - weight2
            if first1 <= first2 { quotientWeight -= 1 }
            resultScale = Self.minimumSignificantDigits - quotientWeight * 4
        }
        resultScale = min(max(resultScale, scale, other.scale, 0), Self.maximumScale)
        // units / 10^scale ÷ other.units / 10^other.scale, times 10^resultScale.
        let shift = resultScale - scale + other.scale
        var numerator = units
        var denominator = other.units
        if shift >= 0 {
            guard let scaled = Self.multiply(numerator, byPowerOfTen: shift) else { return nil }
            numerator = scaled
        } else {
            guard let scaled = Self.multiply(denominator, byPowerOfTen: -shift) else { return nil }
            denominator = scaled
        }
        var (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        if remainder.magnitude >= denominator.magnitude - remainder.magnitude {
            quotient += (numerator < 0) == (denominator < 0) ? 1 : -1
        }
        return NumericValue(units: quotient, scale: resultScale)
    }

    /// `self % other` (the sign of `self`), at the larger scale; `nil` when `other` is zero.
    func remainder(dividingBy other: NumericValue) -> NumericValue? {
        let scale = max(self.scale, other.scale)
        guard other.units != 0, let a = rescaled(to: scale)?.units, let b = other.rescaled(to: scale)?.units else {
            return nil
        }
        return NumericValue(units: a % b, scale: scale)
    }

    /// `self` compared with `other`: negative, zero or positive; `nil` when they do not fit at a common scale.
    func compared(to other: NumericValue) -> Int? {
        let scale = max(self.scale, other.scale)
        guard let a = rescaled(to: scale)?.units, let b = other.rescaled(to: scale)?.units else { return nil }
        return a < b ? -1 : (a == b ? 0 : 1)
    }

    /// The value rounded half away from zero to `scale` digits after the point (or padded with zeros to them), as
    /// PostgreSQL's `round` and `numeric(p,s)` round; `nil` when it does not fit.
    func rounded(toScale scale: Int) -> NumericValue? {
        guard scale < self.scale else { return rescaled(to: scale) }
        guard let divisor = Self.multiply(1, byPowerOfTen: self.scale - scale) else {
            return NumericValue(units: 0, scale: scale)
        }
        var (quotient, remainder) = units.quotientAndRemainder(dividingBy: divisor)
        if remainder.magnitude >= divisor.magnitude - remainder.magnitude { quotient += units < 0 ? -1 : 1 }
        return NumericValue(units: quotient, scale: scale)
    }

    /// Whether the value's absolute value is below 10^`digits` × 10^-scale, that is whether its units have fewer
    /// than `digits` digits.
    func hasFewerUnitDigits(than digits: Int) -> Bool {
        guard let limit = Self.multiply(1, byPowerOfTen: digits) else { return true }
        return units.magnitude < limit.magnitude
    }

    /// The same value at a larger `scale`.
    private func rescaled(to scale: Int) -> NumericValue? {
        Self.multiply(units, byPowerOfTen: scale - self.scale).map { NumericValue(units: $0, scale: scale) }
    }

    /// The weight (position, in base-10000 digits from the decimal point) and value of the first non-zero
    /// base-10000 digit of a non-zero value, as PostgreSQL's `numeric` stores it.
    private var baseTenThousandLead: (weight: Int, digit: Int128)? {
        guard units != 0 else { return nil }
        // The position of the most significant decimal digit: 0 for 1 to 9, -1 for 0.1 to 0.9.
        let position = String(units.magnitude).count - 1 - scale
        let weight = position >= 0 ? position / 4 : -((-position + 3) / 4)
        let shift = -scale - 4 * weight
        let magnitude = Int128(units.magnitude)
        let group: Int128
        if shift >= 0 {
            guard let scaled = Self.multiply(magnitude, byPowerOfTen: shift) else { return nil }
            group = scaled
        } else {
            guard let divisor = Self.multiply(1, byPowerOfTen: -shift) else { return nil }
            group = magnitude / divisor
        }
        return (weight, group % 10_000)
    }

    /// `value` × 10^`power` (`power` ≥ 0); `nil` on overflow.
    private static func multiply(_ value: Int128, byPowerOfTen power: Int) -> Int128? {
        var result = value
        for _ in 0..<max(0, power) {
            let (product, overflow) = result.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            result = product
        }
        return result
    }
}
