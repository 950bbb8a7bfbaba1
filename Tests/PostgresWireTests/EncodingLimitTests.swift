import NIOCore
import PostgresWire
import Testing

/// Counts the wire holds in 16 bits: up to 65535 encode; more stop the process instead of being cut.
struct EncodingLimitTests {
    @Test func the16BitMaximumEncodesExactly() throws {
        let row = BackendMessage.dataRow(DataRow(columns: Array(repeating: nil, count: 65_535)))
        let bytes = encoded(row)
        #expect(bytes.getInteger(at: 5, as: UInt16.self) == 65_535)
        #expect(try decodeOneBackend(bytes) == row)
    }

    @Test func aDataRowWithTooManyColumnsStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            var buffer = ByteBuffer()
            BackendMessage.dataRow(DataRow(columns: Array(repeating: nil, count: 65_536))).encode(into: &buffer)
        }
    }

    @Test func aBindWithTooManyParametersStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            var buffer = ByteBuffer()
            FrontendMessage.bind(Bind(portal: "", statement: "", parameters: Array(repeating: nil, count: 65_536)))
                .encode(into: &buffer)
        }
    }
}
