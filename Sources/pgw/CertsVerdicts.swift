import ArgumentParser
import Foundation
import PostgresTLS

/// Printing the verdicts of `pgw certs check` and `pgw certs probe`, and the exit status they imply.
enum CertsVerdicts {
    /// Prints `verdicts` as aligned text lines or a JSON array of `{check, status, detail}`, then throws exit
    /// status 1 if any failed.
    static func report(_ verdicts: [CertificateVerdict], as format: CertsCheckCommand.Format) throws {
        switch format {
        case .text:
            let width = verdicts.map(\.check.count).max() ?? 0
            for verdict in verdicts {
                let status = verdict.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
                let check = verdict.check.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(status) \(check)  \(verdict.detail)")
            }
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(verdicts), as: UTF8.self))
        }
        if verdicts.contains(where: { $0.status == .fail }) {
            throw ExitCode.failure
        }
    }
}
