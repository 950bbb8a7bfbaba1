import Foundation
import PostgresTLS
import Testing

/// The `validity` check says how long is left (or since when it expired) in the largest whole unit: days, then
/// hours, minutes or seconds within the last day, never "0 days".
struct CertificateValidityTests {
    static let cases: [(TimeInterval, String)] = [
        (3 * 86400 + 5, "3 days left"), (86400 + 1, "1 day left"), (86400 - 60, "23 hours left"),
        (3600, "1 hour left"), (150, "2 minutes left"), (30, "30 seconds left"), (-7200, "2 hours ago"),
        (-2 * 86400, "2 days ago"),
    ]

    @Test(arguments: cases)
    func timeLeftInWholeUnits(secondsLeft: TimeInterval, wording: String) throws {
        let key = try TLSPrivateKey.generate(.ecdsaP256)
        var template = TLSCertificateTemplate(commonName: "db.pgw-certs.test")
        template.notBefore = Date().addingTimeInterval(-30 * 86400)
        template.notAfter = Date().addingTimeInterval(30 * 86400)
        let certificate = try TLSCertificate.issue(template, for: key)
        let file = FileManager.default.temporaryDirectory.appending(path: "pgw-validity-\(UUID().uuidString).crt")
        try Data(certificate.pemString.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let now = certificate.info.notAfter.addingTimeInterval(-secondsLeft)
        let verdict = try #require(
            CertificateCheck(certificateFile: file.path, now: now).run().first { $0.check == "validity" })
        #expect(verdict.detail.hasSuffix(", \(wording)"), "\(verdict.detail)")
    }
}
