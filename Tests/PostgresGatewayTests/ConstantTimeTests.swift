import PostgresAuthentication
import PostgresGateway
import Testing

struct ConstantTimeTests {
    @Test func equalBytesAreEqual() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(ConstantTime.equals([] as [UInt8], [] as [UInt8]))
    }

    @Test(
        arguments: [
            ([0, 2, 3], [1, 2, 3]),
            ([1, 2, 3], [1, 2, 4]),
            ([1, 2, 3], [1, 2]),
            ([1], []),
        ] as [([UInt8], [UInt8])])
    func differentBytesAreNotEqual(a: [UInt8], b: [UInt8]) {
        #expect(!ConstantTime.equals(a, b))
        #expect(!ConstantTime.equals(b, a))
    }

    @Test func comparesAnyByteCollections() {
        let text = "md5abc"
        #expect(ConstantTime.equals(text.utf8, Array("xmd5abc".utf8).dropFirst()))
        #expect(!ConstantTime.equals(text.utf8, "md5abd".utf8))
    }
}
