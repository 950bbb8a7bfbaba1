// TLSTool: measurements of PostgresTLS over loopback.
//   TLSTool bulk MiB          client-to-server throughput, MB/s
//   TLSTool handshakes N      N sequential full handshakes, handshakes/s
//   TLSTool leak N            N sequential connections, resident memory every N/10
//   TLSTool write-pki DIR     the server certificate and key, for openssl s_server

import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first, let value = arguments.dropFirst().first else {
    print("usage: TLSTool bulk MiB | handshakes N | leak N | write-pki DIR")
    exit(2)
}
let bench = try Bench(pki: BenchmarkPKI())
switch command {
case "bulk":
    let megabytes = Int(value) ?? 1024
    print("bulk \(megabytes) MiB: \(String(format: "%.1f", try await bench.bulk(bytes: megabytes << 20))) MB/s")
case "handshakes":
    print("handshakes: \(String(format: "%.1f", try await bench.handshakes(count: Int(value) ?? 2000))) /s")
case "leak":
    let count = Int(value) ?? 10_000
    print("connections  rss_kib")
    print("\(0)  \(Bench.residentKiB())")
    let rate = try await bench.handshakes(count: count) { index in
        if index % (count / 10) == 0 {
            print("\(index)  \(Bench.residentKiB())")
        }
    }
    print("(\(String(format: "%.0f", rate)) handshakes/s)")
case "write-pki":
    try bench.pki.write(to: value)
default:
    print("unknown command \(command)")
    exit(2)
}
